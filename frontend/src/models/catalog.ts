// The model list's logic, free of React: rows built from the catalog, the
// list state that lives in the URL, filtering, sorting and folding variants.
import type { Model, ModelType, PriceEntry } from '../api/types';

export type Sort = '' | 'price' | 'context' | 'newest' | 'name';
export const SORTS: Sort[] = ['', 'price', 'context', 'newest', 'name'];

/** The list's state, as the URL holds it: ?type=…&q=…&sort=…&provider=…&free=1&variants=1&ctx=N */
export interface ListState {
  q: string;
  sort: Sort;
  provider: string;
  free: boolean;
  /** Minimum context length; 0 for any. */
  ctx: number;
  /** Variants as rows of their own instead of folded under their base model. */
  variants: boolean;
}

export const EMPTY_STATE: ListState = { q: '', sort: '', provider: '', free: false, ctx: 0, variants: false };
export const MIN_CONTEXTS = [0, 8_000, 32_000, 128_000, 200_000, 1_000_000];

const TYPES: ModelType[] = ['text', 'image', 'audio'];

/** The type whose list is open, and the list's state, from a query string. */
export function parseSearch(search: string): { type: ModelType | null; state: ListState } {
  const p = new URLSearchParams(search);
  const t = p.get('type');
  const type = TYPES.includes(t as ModelType) ? (t as ModelType) : null;
  const sort = p.get('sort') ?? '';
  const ctx = Number(p.get('ctx') ?? 0);
  return {
    type,
    state: {
      q: p.get('q') ?? '',
      sort: (SORTS as string[]).includes(sort) ? (sort as Sort) : '',
      provider: p.get('provider') ?? '',
      free: p.get('free') === '1',
      ctx: Number.isFinite(ctx) && ctx > 0 ? Math.floor(ctx) : 0,
      variants: p.get('variants') === '1',
    },
  };
}

/** The query string for a type's list in a state, parameters in a fixed order, defaults left out. */
export function toSearch(type: ModelType | null, s: ListState): string {
  const p = new URLSearchParams();
  if (type) p.set('type', type);
  if (s.q) p.set('q', s.q);
  if (s.sort) p.set('sort', s.sort);
  if (s.provider) p.set('provider', s.provider);
  if (s.free) p.set('free', '1');
  if (s.ctx > 0) p.set('ctx', String(s.ctx));
  if (s.variants) p.set('variants', '1');
  const q = p.toString();
  return q ? `?${q}` : '';
}

/** One model as the list shows it, with what sorting, filtering and search need. */
export interface Row {
  model: Model;
  id: string;
  name: string;
  providerId: string;
  providerName: string;
  context: number;
  created: number;
  base: string;
  variant: string;
  isFree: boolean;
  prices: PriceEntry[];
  /** The type's sort price in USD; null when unknown or variable. */
  sortPrice: number | null;
  haystack: string;
  order: number;
}

const isZero = (s: string | undefined) => s !== undefined && s !== '' && Number(s) === 0;

/** The type's prices of a model; from the seed's per-token fields when the server sends no prices. */
export function priceEntries(m: Model, type: ModelType): PriceEntry[] {
  const given = m.prices?.[type];
  if (given && given.length) return given;
  const out: PriceEntry[] = [];
  const p = m.pricing ?? {};
  if (p.prompt !== undefined && p.prompt !== '') out.push({ field: 'prompt', usd: p.prompt, unit: 'token' });
  if (p.completion !== undefined && p.completion !== '') out.push({ field: 'completion', usd: p.completion, unit: 'token' });
  return out;
}

function splitVariant(id: string): [string, string] {
  const i = id.lastIndexOf(':');
  return i > 0 ? [id.slice(0, i), id.slice(i + 1)] : [id, ''];
}

/** Rows of a type's models, in the catalog's order. */
export function toRows(models: Model[], type: ModelType): Row[] {
  return models.map((m, order) => {
    const [base, variant] = splitVariant(m.id);
    const prices = priceEntries(m, type);
    const providerId = m.provider_id || m.id.split('/')[0] || '';
    const providerName = m.provider_name || m.provider || providerId;
    const sp = m.sort_price?.[type] ?? prices[0]?.usd;
    const spn = sp === undefined || sp === '' ? NaN : Number(sp);
    const isFree = m.is_free ?? (prices.length > 0 && prices.every((e) => isZero(e.usd)));
    return {
      model: m,
      id: m.id,
      name: m.name || m.id,
      providerId,
      providerName,
      context: m.context_length ?? 0,
      created: m.created ?? 0,
      base: m.base_model || base,
      variant: m.variant ?? variant,
      isFree,
      prices,
      sortPrice: Number.isFinite(spn) && spn >= 0 ? spn : null,
      haystack: `${m.name ?? ''}\n${m.id}\n${providerName}\n${providerId}\n${m.description ?? ''}`.toLowerCase(),
      order,
    };
  });
}

export interface ProviderOption {
  id: string;
  name: string;
  count: number;
}

/** The providers of the rows, one entry per provider id, by name. */
export function providerOptions(rows: Row[]): ProviderOption[] {
  const by = new Map<string, ProviderOption>();
  for (const r of rows) {
    const p = by.get(r.providerId);
    if (p) p.count++;
    else by.set(r.providerId, { id: r.providerId, name: r.providerName, count: 1 });
  }
  return [...by.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The terms of a search: lower-cased words, matched in any order. */
export function searchTerms(q: string): string[] {
  return q.toLowerCase().split(/\s+/).filter(Boolean);
}

export function matchesTerms(r: Row, terms: string[]): boolean {
  for (const t of terms) if (!r.haystack.includes(t)) return false;
  return true;
}

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

function comparator(sort: Sort): (a: Row, b: Row) => number {
  switch (sort) {
    case 'price':
      return (a, b) => {
        if (a.sortPrice === null || b.sortPrice === null) {
          if (a.sortPrice !== b.sortPrice) return a.sortPrice === null ? 1 : -1;
        } else if (a.sortPrice !== b.sortPrice) return a.sortPrice - b.sortPrice;
        return collator.compare(a.name, b.name);
      };
    case 'context':
      return (a, b) => b.context - a.context || collator.compare(a.name, b.name);
    case 'newest':
      return (a, b) => b.created - a.created || collator.compare(a.name, b.name);
    case 'name':
      return (a, b) => collator.compare(a.name, b.name) || collator.compare(a.id, b.id);
    default:
      return (a, b) => a.order - b.order;
  }
}

/** A line of the list: a model, and for the head of a folded group how many variants it hides. */
export interface Item {
  row: Row;
  /** A variant shown under its group's head. */
  child: boolean;
  /** For a group head: how many other models of the group the list folds under it. */
  folded: number;
  /** The group's key (the base model id). */
  group: string;
}

/**
 * The rows the state lets through, sorted; unless variants are on, each base model's variants are folded
 * under the one that sorts first (the free variant with sort=price), and shown under it when its group is
 * in expanded.
 */
export function visibleItems(rows: Row[], s: ListState, expanded: ReadonlySet<string> = new Set()): Item[] {
  const terms = searchTerms(s.q);
  const kept = rows.filter(
    (r) =>
      (!s.provider || r.providerId === s.provider) &&
      (!s.free || r.isFree) &&
      (!s.ctx || r.context >= s.ctx) &&
      (terms.length === 0 || matchesTerms(r, terms)),
  );
  kept.sort(comparator(s.sort));
  if (s.variants) return kept.map((row) => ({ row, child: false, folded: 0, group: row.base }));
  const groups = new Map<string, Row[]>();
  const heads: string[] = [];
  for (const r of kept) {
    const g = groups.get(r.base);
    if (g) g.push(r);
    else {
      groups.set(r.base, [r]);
      heads.push(r.base);
    }
  }
  const out: Item[] = [];
  for (const key of heads) {
    const g = groups.get(key)!;
    out.push({ row: g[0], child: false, folded: g.length - 1, group: key });
    if (g.length > 1 && expanded.has(key)) for (const r of g.slice(1)) out.push({ row: r, child: true, folded: 0, group: key });
  }
  return out;
}

/** The pricing fields the type's list shows as columns: the ones most models of the type list first. */
export function priceColumns(rows: Row[], max = 3): string[] {
  const stat = new Map<string, { first: number; count: number }>();
  for (const r of rows) {
    r.prices.forEach((e, i) => {
      const s = stat.get(e.field) ?? { first: 0, count: 0 };
      s.count++;
      if (i === 0) s.first++;
      stat.set(e.field, s);
    });
  }
  const min = Math.max(1, Math.floor(rows.length * 0.05));
  return [...stat.entries()]
    .filter(([, s]) => s.count >= min || s.first > 0)
    .sort((a, b) => b[1].first - a[1].first || b[1].count - a[1].count)
    .slice(0, max)
    .map(([f]) => f);
}
