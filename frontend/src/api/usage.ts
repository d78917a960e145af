// The usage ledger's API (issue 14): spend and traffic reports, recent requests, the CSV export and the
// balance over time. Kept apart from client.ts so the settings calls and these grow independently.
import { request, send } from './client';
import type { Balance } from './types';

export type UsageGroupKey = 'day' | 'type' | 'model';

export interface UsageTokens {
  prompt: number;
  completion: number;
  cached: number;
  reasoning: number;
  audio: number;
  image: number;
}

/** Totals of one group of ledger rows (or of all of them). */
export interface UsageTotals {
  requests: number;
  errors: number;
  errors_by_kind: Record<string, number>;
  tokens: UsageTokens;
  /** USD. */
  cost: number;
  latency_ms: { p50: number; p95: number };
}

export interface UsageGroup extends UsageTotals {
  /** YYYY-MM-DD (UTC). */
  day?: string;
  /** text, image, audio, or what the server calls an explicit model. */
  type?: string;
  model?: string;
}

export interface UsageReport {
  from: string;
  to: string;
  group_by: UsageGroupKey[];
  groups: UsageGroup[];
  total: UsageTotals;
}

/** One ledger row: never the content of a message, prompt or answer. */
export interface UsageRequest {
  id: string | number;
  time: string;
  scope?: string;
  /** chat, stream, transcription or try (the models page's). */
  endpoint?: string;
  type: string;
  requested_model?: string;
  model?: string;
  prompt?: string | null;
  prompt_version?: number | null;
  tokens?: Partial<UsageTokens>;
  cost?: number | null;
  latency_ms?: number | null;
  ttft_ms?: number | null;
  outcome: string;
  generation_id?: string;
  provider?: string;
}

export interface UsageRequestsPage {
  data: UsageRequest[];
  next_cursor?: string | null;
}

export interface RequestFilters {
  type?: string;
  model?: string;
  outcome?: string;
}

export interface BalancePoint {
  time: string;
  balance: number;
  /** False when the account's credits could not be read at that time (then balance means nothing). */
  balance_known?: boolean;
  used: number;
}

export interface BurnRate {
  window_days: number;
  per_day: number;
  /** Null when nothing was spent in the window (the balance does not run out at this rate). */
  days_left: number | null;
}

export type BalanceWithBurn = Balance & { burn_rate?: BurnRate | null };

/** A period of whole UTC days: from and to are YYYY-MM-DD, both included. */
export interface Period {
  from: string;
  to: string;
}

const BASE = '/api/v1/usage';

function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The file name the export is saved under. */
export function exportFileName(p: Period): string {
  return `aimodels-usage-${p.from}-to-${p.to}.csv`;
}

export const usageApi = {
  async report(p: Period, groupBy: UsageGroupKey[]): Promise<UsageReport> {
    const { data } = await request<UsageReport>('GET', `${BASE}${query({ from: p.from, to: p.to, group_by: groupBy.join(',') })}`);
    return { ...data, groups: data?.groups ?? [] };
  },
  async requests(f: RequestFilters & { cursor?: string; limit?: number }): Promise<UsageRequestsPage> {
    const { data } = await request<UsageRequestsPage>(
      'GET',
      `${BASE}/requests${query({ cursor: f.cursor, limit: f.limit, type: f.type, model: f.model, outcome: f.outcome })}`,
    );
    return { data: data?.data ?? [], next_cursor: data?.next_cursor ?? null };
  },
  async balanceHistory(p: Period): Promise<BalancePoint[]> {
    const { data } = await request<{ data: BalancePoint[] }>('GET', `${BASE}/balance${query({ from: p.from, to: p.to })}`);
    return data?.data ?? [];
  },
  async balance(): Promise<BalanceWithBurn> {
    return (await request<BalanceWithBurn>('GET', '/api/v1/settings/openrouter/balance')).data;
  },
  /** The CSV of the period, fetched with the admin token (a bare link would carry none). */
  async exportCsv(p: Period): Promise<Blob> {
    const res = await send('GET', `${BASE}/export.csv${query({ from: p.from, to: p.to })}`, undefined, 'text/csv');
    return res.blob();
  },
};

export type UsageApi = typeof usageApi;

/** Saves a blob as a file through a temporary object URL and a download link. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  try {
    a.click();
  } finally {
    a.remove();
    // The click starts the download synchronously; revoking on the next task keeps the URL valid until then.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}
