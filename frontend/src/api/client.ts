import { clearToken, getToken } from '../auth';
import type {
  Balance,
  Catalog,
  CatalogResult,
  KeyStatus,
  ModelType,
  Prompt,
  PromptInput,
  PromptVersion,
  Selection,
  SelectionChange,
  TestResult,
  TryResponse,
} from './types';

/** An error from the API, carrying the server's error code. */
export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    /** Seconds from the Retry-After header of a 429 or 503, when the server sent one. */
    public readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type UnauthorizedListener = () => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

// A refusal that came before anyone listened (a request sent before the app rendered, see prefetch.ts):
// the first listener hears of it.
let unheardUnauthorized = false;

/** Called whenever the server says our token is bad (code "unauthorized"). */
export function onUnauthorized(fn: UnauthorizedListener): () => void {
  unauthorizedListeners.add(fn);
  if (unheardUnauthorized) {
    unheardUnauthorized = false;
    queueMicrotask(() => {
      if (unauthorizedListeners.has(fn)) fn();
    });
  }
  return () => unauthorizedListeners.delete(fn);
}

export interface RawResponse<T> {
  data: T;
  headers: Headers;
}

/**
 * Sends an authenticated request (the admin token as a bearer token) and returns the response when it is
 * ok; otherwise throws an ApiError from the server's error envelope. A refused token signs out.
 */
export async function send(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';

  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
  }
  if (res.ok) return res;

  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
  let code = err?.code ?? '';
  // Only our own auth failure means "sign in again"; upstream key failures use other codes.
  if (res.status === 401 && (code === '' || code === 'unauthorized')) code = 'unauthorized';
  if (code === '') code = 'http_' + res.status;
  const apiErr = new ApiError(res.status, code, err?.message ?? (res.statusText || `HTTP ${res.status}`), parseRetryAfter(res.headers.get('Retry-After')));
  if (code === 'unauthorized') {
    clearToken();
    if (unauthorizedListeners.size === 0) unheardUnauthorized = true;
    unauthorizedListeners.forEach((fn) => fn());
  }
  throw apiErr;
}

/** An authenticated JSON request: the parsed body and the response headers. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<RawResponse<T>> {
  const res = await send(method, path, body);
  const text = res.status === 204 ? '' : await res.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  return { data: parsed as T, headers: res.headers };
}

/** Seconds to wait from a Retry-After value (delta seconds or an HTTP date); null when absent or unreadable. */
export function parseRetryAfter(v: string | null, now: number = Date.now()): number | null {
  if (!v) return null;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s);
  const at = Date.parse(s);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

const BASE = '/api/v1/settings';

export const api = {
  async getCatalog(refresh = false): Promise<CatalogResult> {
    const { data, headers } = await request<Partial<Catalog> & Pick<CatalogResult, 'recommended' | 'changes'>>(
      'GET',
      `${BASE}/openrouter/models${refresh ? '?refresh=true' : ''}`,
    );
    return {
      catalog: { text: data?.text ?? [], image: data?.image ?? [], audio: data?.audio ?? [] },
      stale: (headers.get('X-Catalog-Stale') ?? '').toLowerCase() === 'true',
      fetchedAt: headers.get('X-Catalog-Fetched-At'),
      recommended: data?.recommended ?? {},
      changes: data?.changes ?? null,
    };
  },
  async getSelection(): Promise<Selection> {
    return (await request<Selection>('GET', `${BASE}/openrouter/selection`)).data;
  },
  async saveSelection(change: Partial<Record<ModelType, SelectionChange>>): Promise<Selection> {
    return (await request<Selection>('PUT', `${BASE}/openrouter/selection`, change)).data;
  },
  /** Sends a tiny real request to the type's selected model, or to `model`. */
  async tryModel(type: ModelType, model?: string): Promise<TryResponse> {
    return (await request<TryResponse>('POST', `${BASE}/openrouter/try`, model ? { type, model } : { type })).data;
  },
  async getBalance(): Promise<Balance> {
    return (await request<Balance>('GET', `${BASE}/openrouter/balance`)).data;
  },
  async testConnection(): Promise<TestResult> {
    return (await request<TestResult>('POST', `${BASE}/openrouter/test-connection`)).data;
  },
  async getKeys(): Promise<KeyStatus[]> {
    return (await request<{ keys: KeyStatus[] }>('GET', `${BASE}/api-keys`)).data?.keys ?? [];
  },
  async saveKey(provider: string, key: string): Promise<KeyStatus> {
    return (await request<KeyStatus>('PUT', `${BASE}/api-keys/${encodeURIComponent(provider)}`, { key })).data;
  },
  async deleteKey(provider: string): Promise<void> {
    await request<void>('DELETE', `${BASE}/api-keys/${encodeURIComponent(provider)}`);
  },
  // The server answers a page at a time (at most 500); the settings page
  // shows every prompt, so the pages are followed to the end.
  async listPrompts(type?: ModelType): Promise<Prompt[]> {
    const all: Prompt[] = [];
    let cursor = '';
    for (;;) {
      const q = new URLSearchParams({ limit: '500' });
      if (type) q.set('type', type);
      if (cursor) q.set('cursor', cursor);
      const page = (await request<{ prompts: Prompt[]; next_cursor?: string }>('GET', `${BASE}/prompts?${q}`)).data;
      all.push(...(page?.prompts ?? []));
      if (!page?.next_cursor) return all;
      cursor = page.next_cursor;
    }
  },
  async createPrompt(p: PromptInput): Promise<Prompt> {
    return (await request<Prompt>('POST', `${BASE}/prompts`, p)).data;
  },
  async updatePrompt(id: number, p: PromptInput): Promise<Prompt> {
    return (await request<Prompt>('PUT', `${BASE}/prompts/${id}`, p)).data;
  },
  async deletePrompt(id: number): Promise<void> {
    await request<void>('DELETE', `${BASE}/prompts/${id}`);
  },
  // Every version of a prompt, newest first (the pages followed to the end).
  async listPromptVersions(id: number): Promise<PromptVersion[]> {
    const all: PromptVersion[] = [];
    let cursor = '';
    for (;;) {
      const q = new URLSearchParams({ limit: '500' });
      if (cursor) q.set('cursor', cursor);
      const page = (await request<{ versions: PromptVersion[]; next_cursor?: string }>('GET', `${BASE}/prompts/${id}/versions?${q}`)).data;
      all.push(...(page?.versions ?? []));
      if (!page?.next_cursor) return all;
      cursor = page.next_cursor;
    }
  },
  async restorePromptVersion(id: number, version: number): Promise<Prompt> {
    return (await request<Prompt>('POST', `${BASE}/prompts/${id}/versions/${version}/restore`)).data;
  },
};

export type Api = typeof api;
