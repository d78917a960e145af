// Answers of the usage API in the contract's shape, for the page's tests.
import type { BalancePoint, BalanceWithBurn, UsageGroup, UsageReport, UsageRequest, UsageTotals } from '../../api/usage';

export const NOW = new Date('2026-12-03T15:00:00Z');
/** The 7-day period ending on NOW. */
export const PERIOD7 = { from: '2026-11-27', to: '2026-12-03' };

function totals(requests: number, errors: number, cost: number, p50 = 100, p95 = 200, kinds: Record<string, number> = {}): UsageTotals {
  return {
    requests,
    errors,
    errors_by_kind: kinds,
    tokens: { prompt: requests * 31, completion: requests * 21, cached: 0, reasoning: 0, audio: 0, image: 0 },
    cost,
    latency_ms: { p50, p95 },
  };
}

function g(keys: Partial<UsageGroup>, t: UsageTotals): UsageGroup {
  return { ...keys, ...t };
}

/** Two days with traffic: 1 Dec (text 3 requests, audio 2) and 3 Dec (text 1 failed request). */
export function dayTypeReport(period = PERIOD7): UsageReport {
  return {
    from: period.from,
    to: period.to,
    group_by: ['day', 'type'],
    groups: [
      g({ day: '2026-12-01', type: 'text' }, totals(3, 0, 0.0123)),
      g({ day: '2026-12-01', type: 'audio' }, totals(2, 0, 0.0002)),
      g({ day: '2026-12-03', type: 'text' }, totals(1, 1, 0, 90, 90, { rate_limited: 1 })),
    ],
    total: totals(6, 1, 0.0125, 120, 480, { rate_limited: 1 }),
  };
}

export function modelReport(period = PERIOD7): UsageReport {
  return {
    from: period.from,
    to: period.to,
    group_by: ['model'],
    groups: [
      g({ model: 'openai/whisper-1' }, totals(2, 0, 0.0002)),
      g({ model: 'openai/gpt-4o-mini' }, totals(4, 1, 0.0123)),
    ],
    total: totals(6, 1, 0.0125),
  };
}

export function typeReport(period = PERIOD7): UsageReport {
  return {
    from: period.from,
    to: period.to,
    group_by: ['type'],
    groups: [g({ type: 'audio' }, totals(2, 0, 0.0002, 640, 1250)), g({ type: 'text' }, totals(4, 1, 0.0123, 95, 410))],
    total: totals(6, 1, 0.0125),
  };
}

export function emptyReport(groupBy: UsageReport['group_by'], period = PERIOD7): UsageReport {
  return { from: period.from, to: period.to, group_by: groupBy, groups: [], total: totals(0, 0, 0, 0, 0) };
}

export const balancePoints: BalancePoint[] = [
  { time: '2026-12-01T10:00:00Z', balance: 239.27, used: 60.73 },
  { time: '2026-12-03T09:30:00Z', balance: 239.2575, used: 60.7425 },
];

export const balanceWithBurn: BalanceWithBurn = {
  balance: 239.2575,
  usage: 60.7425,
  formatted_balance: '$239.26',
  formatted_usage: '$60.74',
  burn_rate: { window_days: 7, per_day: 0.0125 / 7, days_left: 133984.2 },
};

export function requestRow(i: number, extra: Partial<UsageRequest> = {}): UsageRequest {
  return {
    id: i,
    time: `2026-12-01T12:00:${String(i % 60).padStart(2, '0')}Z`,
    scope: 'default',
    type: 'text',
    requested_model: 'text',
    model: 'openai/gpt-4o-mini',
    prompt: null,
    prompt_version: null,
    tokens: { prompt: 31, completion: 21, cached: 0, reasoning: 0, audio: 0, image: 0 },
    cost: 0.0041,
    latency_ms: 120,
    ttft_ms: null,
    outcome: 'ok',
    generation_id: `gen-${i}`,
    provider: 'OpenAI',
    ...extra,
  };
}
