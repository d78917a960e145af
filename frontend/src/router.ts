import { useSyncExternalStore } from 'react';

// A tiny History API router: the three settings routes are deep-linkable and
// the server answers every non-API path with index.html.

const listeners = new Set<() => void>();

function subscribe(fn: () => void) {
  listeners.add(fn);
  window.addEventListener('popstate', fn);
  return () => {
    listeners.delete(fn);
    window.removeEventListener('popstate', fn);
  };
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export function navigate(path: string, opts: { replace?: boolean } = {}): void {
  if (path === window.location.pathname && !opts.replace) return;
  if (opts.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  listeners.forEach((fn) => fn());
}

export const ROUTES = {
  apiKeys: '/settings/api-keys',
  models: '/settings/models',
  prompts: '/settings/prompts',
  usage: '/settings/usage',
} as const;

/** The query string of the address bar ("" or "?…"), re-read when it changes. */
export function useSearch(): string {
  return useSyncExternalStore(subscribe, () => window.location.search);
}

/** Replaces the query string (keeping the path), without a new history entry unless push is set. */
export function setSearch(search: string, opts: { push?: boolean } = {}): void {
  const q = search && !search.startsWith('?') ? `?${search}` : search;
  if (q === window.location.search || (q === '?' && window.location.search === '')) return;
  const url = window.location.pathname + (q === '?' ? '' : q);
  if (opts.push) window.history.pushState(null, '', url);
  else window.history.replaceState(null, '', url);
  listeners.forEach((fn) => fn());
}
