import { afterEach, describe, expect, it, vi } from 'vitest';
import { getToken, setToken } from '../auth';
import { api, ApiError, onUnauthorized } from './client';

function respond(status: number, body: unknown, headers: Record<string, string> = {}) {
  return vi.fn(async () => new Response(body === undefined ? null : JSON.stringify(body), { status, headers }));
}

describe('api client', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    sessionStorage.clear();
  });

  it('sends the bearer token and reads the catalog headers', async () => {
    setToken('tok');
    const fetchMock = respond(200, { text: [], image: [] }, { 'X-Catalog-Stale': 'true', 'X-Catalog-Fetched-At': '2026-08-19T10:00:00Z' });
    vi.stubGlobal('fetch', fetchMock);
    const r = await api.getCatalog(true);
    expect(r.stale).toBe(true);
    expect(r.fetchedAt).toBe('2026-08-19T10:00:00Z');
    expect(r.catalog.audio).toEqual([]);
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/settings/openrouter/models?refresh=true');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok');
  });

  it('clears the token and signals only on our own unauthorized', async () => {
    setToken('tok');
    const seen = vi.fn();
    const off = onUnauthorized(seen);
    vi.stubGlobal('fetch', respond(502, { error: { code: 'invalid_key', message: 'upstream said no' } }));
    await expect(api.getBalance()).rejects.toMatchObject({ status: 502, code: 'invalid_key' });
    expect(getToken()).toBe('tok');
    expect(seen).not.toHaveBeenCalled();

    vi.stubGlobal('fetch', respond(401, { error: { code: 'unauthorized', message: 'bad token' } }));
    await expect(api.getBalance()).rejects.toBeInstanceOf(ApiError);
    expect(getToken()).toBeNull();
    expect(seen).toHaveBeenCalledTimes(1);
    off();
  });

  it('treats 204 as success and a network failure as code "network"', async () => {
    vi.stubGlobal('fetch', respond(204, undefined));
    await expect(api.deleteKey('openrouter')).resolves.toBeUndefined();
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(api.getKeys()).rejects.toMatchObject({ code: 'network' });
  });

  it('follows the prompt pages to the end', async () => {
    const pages = [
      { prompts: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }], next_cursor: 'c1' },
      { prompts: [{ id: 3, name: 'c' }] },
    ];
    const fetchMock = vi.fn(async () => new Response(JSON.stringify(pages.shift()), { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    const all = await api.listPrompts('text');
    expect(all.map((p) => p.name)).toEqual(['a', 'b', 'c']);
    const urls = fetchMock.mock.calls.map((c) => (c as unknown as [string])[0]);
    expect(urls).toEqual([
      '/api/v1/settings/prompts?limit=500&type=text',
      '/api/v1/settings/prompts?limit=500&type=text&cursor=c1',
    ]);
  });
});
