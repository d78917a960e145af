import { afterEach, describe, expect, it, vi } from 'vitest';
import { getToken, setToken } from '../auth';
import { ApiError } from './client';
import { exportFileName, usageApi } from './usage';

const P = { from: '2026-11-27', to: '2026-12-03' };

function calls(m: ReturnType<typeof vi.fn>) {
  return m.mock.calls.map((c) => c as unknown as [string, RequestInit]);
}

describe('usage api', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    sessionStorage.clear();
  });

  it('asks for a report with the period and the grouping', async () => {
    setToken('tok');
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ from: P.from, to: P.to, group_by: ['day', 'type'], total: {} }), { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    const r = await usageApi.report(P, ['day', 'type']);
    expect(r.groups).toEqual([]);
    const [url, init] = calls(fetchMock)[0];
    expect(url).toBe('/api/v1/usage?from=2026-11-27&to=2026-12-03&group_by=day%2Ctype');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok');
  });

  it('sends only the filters that are set, and the cursor', async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ data: [{ id: 1 }], next_cursor: 'n' }), { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    const page = await usageApi.requests({ type: 'audio', cursor: 'abc', limit: 25, model: '' });
    expect(page).toEqual({ data: [{ id: 1 }], next_cursor: 'n' });
    expect(calls(fetchMock)[0][0]).toBe('/api/v1/usage/requests?cursor=abc&limit=25&type=audio');
  });

  it('fetches the CSV with the bearer token as a blob', async () => {
    setToken('tok');
    const csv = 'time,type,cost\n2026-12-01T12:00:00Z,text,0.0041\n';
    const fetchMock = vi.fn(async () => new Response(csv, { status: 200, headers: { 'Content-Type': 'text/csv' } }));
    vi.stubGlobal('fetch', fetchMock);
    const blob = await usageApi.exportCsv(P);
    expect(await blob.text()).toBe(csv);
    const [url, init] = calls(fetchMock)[0];
    expect(url).toBe('/api/v1/usage/export.csv?from=2026-11-27&to=2026-12-03');
    const headers = init.headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer tok');
    expect(headers.Accept).toBe('text/csv');
    expect(exportFileName(P)).toBe('aimodels-usage-2026-11-27-to-2026-12-03.csv');
  });

  it('turns an error envelope of the export into an ApiError, and a refused token signs out', async () => {
    setToken('tok');
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: { code: 'validation_error', message: 'bad from' } }), { status: 400 })));
    await expect(usageApi.exportCsv(P)).rejects.toMatchObject({ status: 400, code: 'validation_error', message: 'bad from' });
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: { code: 'unauthorized', message: 'no' } }), { status: 401 })));
    await expect(usageApi.exportCsv(P)).rejects.toBeInstanceOf(ApiError);
    expect(getToken()).toBeNull();
  });

  it('reads the balance history and the burn rate', async () => {
    const fetchMock = vi.fn(async (url: string) =>
      url.startsWith('/api/v1/usage/balance')
        ? new Response(JSON.stringify({ data: [{ time: '2026-12-01T00:00:00Z', balance: 1, used: 2 }] }), { status: 200 })
        : new Response(JSON.stringify({ balance: 1, burn_rate: { window_days: 7, per_day: 0.5, days_left: 2 } }), { status: 200 }),
    );
    vi.stubGlobal('fetch', fetchMock);
    expect(await usageApi.balanceHistory(P)).toHaveLength(1);
    expect((await usageApi.balance()).burn_rate).toEqual({ window_days: 7, per_day: 0.5, days_left: 2 });
    expect(calls(fetchMock)[0][0]).toBe('/api/v1/usage/balance?from=2026-11-27&to=2026-12-03');
    expect(calls(fetchMock)[1][0]).toBe('/api/v1/settings/openrouter/balance');
  });
});
