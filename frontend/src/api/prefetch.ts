// The models page's first requests, sent while the rest of the app's code is still being evaluated: the
// page is the landing page, and its list waits for the catalog and the selection, so starting them from
// the page's first effect (after React's first render and paint) only delays the first list.
import { getToken } from '../auth';
import { api } from './client';
import type { CatalogResult, KeyStatus, Selection } from './types';

export interface Prefetched {
  catalog: Promise<CatalogResult>;
  selection: Promise<Selection>;
  keys: Promise<KeyStatus[]>;
}

let pending: Prefetched | null = null;

/** Paths that show the models page (the bare ones redirect to it). */
const MODELS_PATHS = new Set(['', '/', '/settings', '/settings/models']);

/** Starts the models page's requests when the address is that page's and a token is stored. */
export function prefetchModelsPage(path: string = window.location.pathname): void {
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (!MODELS_PATHS.has(p) || !getToken()) return;
  pending = { catalog: api.getCatalog(false), selection: api.getSelection(), keys: api.getKeys() };
  // The page handles failures when it takes the promises; until then they are not unhandled.
  for (const x of Object.values(pending)) (x as Promise<unknown>).catch(() => {});
}

/** The prefetched requests, once: the first load of the page takes them, later loads ask again. */
export function takePrefetched(): Prefetched | null {
  const p = pending;
  pending = null;
  return p;
}
