// Pure shaping of the usage reports into what the charts and their tables show.
import type { BalancePoint, Period, UsageGroup, UsageReport, UsageTotals } from '../../api/usage';
import { dayDate } from './format';

export const PERIODS = [7, 30, 90] as const;
export type PeriodDays = (typeof PERIODS)[number];

/** The work types in their stacking order; a type the server adds later is stacked after them. */
export const TYPE_ORDER = ['text', 'image', 'audio'];

const DAY_MS = 86_400_000;

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The last `days` UTC days up to and including today. */
export function periodFor(days: number, now: Date = new Date()): Period {
  const to = isoDay(now);
  const from = isoDay(new Date(dayDate(to).getTime() - (days - 1) * DAY_MS));
  return { from, to };
}

/** Every YYYY-MM-DD day from `from` to `to`, both included (at most 400, against a bad answer). */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  const end = dayDate(to).getTime();
  for (let t = dayDate(from).getTime(); t <= end && out.length < 400; t += DAY_MS) out.push(isoDay(new Date(t)));
  return out;
}

/** The types present in the groups, known ones first in TYPE_ORDER. */
export function typesOf(groups: UsageGroup[]): string[] {
  const seen = new Set(groups.map((g) => g.type ?? '').filter((x) => x !== ''));
  const known = TYPE_ORDER.filter((x) => seen.has(x));
  const other = [...seen].filter((x) => !TYPE_ORDER.includes(x)).sort();
  return [...known, ...other];
}

export interface DailySeries {
  days: string[];
  types: string[];
  /** cost[type][dayIndex], USD. */
  cost: Record<string, number[]>;
  /** Total USD per day. */
  costTotal: number[];
  requests: number[];
  errors: number[];
}

/** Spend per day and type, requests and errors per day, from a day,type report; days without rows are zero. */
export function daily(report: UsageReport, period: Period): DailySeries {
  const days = daysOf(period.from, period.to);
  const index = new Map(days.map((d, i) => [d, i]));
  const types = typesOf(report.groups);
  const cost: Record<string, number[]> = Object.fromEntries(types.map((x) => [x, days.map(() => 0)]));
  const costTotal = days.map(() => 0);
  const requests = days.map(() => 0);
  const errors = days.map(() => 0);
  for (const g of report.groups) {
    const i = index.get((g.day ?? '').slice(0, 10));
    if (i === undefined) continue;
    if (g.type) cost[g.type][i] += g.cost ?? 0;
    costTotal[i] += g.cost ?? 0;
    requests[i] += g.requests ?? 0;
    errors[i] += g.errors ?? 0;
  }
  return { days, types, cost, costTotal, requests, errors };
}

/** The stacked tops of the types, bottom first: tops[k][i] = sum of cost[types[0..k]][i]. */
export function stackTops(s: DailySeries): number[][] {
  const tops: number[][] = [];
  let acc = s.days.map(() => 0);
  for (const x of s.types) {
    acc = acc.map((v, i) => v + s.cost[x][i]);
    tops.push(acc);
  }
  return tops;
}

export interface ModelSpend {
  model: string;
  cost: number;
  requests: number;
  share: number;
}

/** The models by spend, most first (ties by requests, then name), at most n. */
export function topModels(report: UsageReport, n = 8): ModelSpend[] {
  const total = report.groups.reduce((a, g) => a + (g.cost ?? 0), 0);
  return report.groups
    .filter((g) => g.model)
    .map((g) => ({ model: g.model as string, cost: g.cost ?? 0, requests: g.requests ?? 0, share: total > 0 ? (g.cost ?? 0) / total : 0 }))
    .sort((a, b) => b.cost - a.cost || b.requests - a.requests || a.model.localeCompare(b.model))
    .slice(0, n);
}

export interface TypeLatency {
  type: string;
  requests: number;
  p50: number;
  p95: number;
}

/** Latency p50/p95 per type from a type report, in TYPE_ORDER. */
export function latencyByType(report: UsageReport): TypeLatency[] {
  const order = typesOf(report.groups);
  const by = new Map(report.groups.filter((g) => g.type).map((g) => [g.type as string, g]));
  return order.map((x) => {
    const g = by.get(x) as UsageGroup;
    return { type: x, requests: g.requests ?? 0, p50: g.latency_ms?.p50 ?? 0, p95: g.latency_ms?.p95 ?? 0 };
  });
}

/** The error kinds of some totals, most frequent first. */
export function errorKinds(t: UsageTotals | undefined): [string, number][] {
  return Object.entries(t?.errors_by_kind ?? {})
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function totalTokens(t: UsageTotals | undefined): number {
  const k = t?.tokens;
  return k ? (k.prompt ?? 0) + (k.completion ?? 0) : 0;
}

/** Where a balance snapshot falls on the day axis: days (fractional) since the period's first midnight. */
export function balanceX(points: BalancePoint[], period: Period): { x: number[]; y: number[]; points: BalancePoint[] } {
  const start = dayDate(period.from).getTime();
  const sorted = points
    .filter((p) => p.balance_known !== false && Number.isFinite(new Date(p.time).getTime()) && Number.isFinite(p.balance))
    .sort((a, b) => new Date(a.time).getTime() - new Date(b.time).getTime());
  return {
    x: sorted.map((p) => (new Date(p.time).getTime() - start) / DAY_MS),
    y: sorted.map((p) => p.balance),
    points: sorted,
  };
}
