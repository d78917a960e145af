import { describe, expect, it } from 'vitest';
import type { Model } from '../api/types';
import { EMPTY_STATE, parseSearch, priceColumns, providerOptions, toRows, toSearch, visibleItems } from './catalog';

function m(id: string, name: string, extra: Partial<Model> = {}): Model {
  const [base, variant = ''] = id.split(':');
  return {
    id,
    name,
    provider_id: id.split('/')[0],
    provider_name: { anthropic: 'Anthropic', openai: 'OpenAI', meta: 'Meta' }[id.split('/')[0]] ?? id.split('/')[0],
    context_length: 128000,
    created: 1700000000,
    base_model: base,
    variant,
    is_free: false,
    prices: { text: [{ field: 'prompt', usd: '0.000003', unit: 'token' }, { field: 'completion', usd: '0.000015', unit: 'token' }] },
    sort_price: { text: '0.000003' },
    ...extra,
  };
}

const models: Model[] = [
  m('anthropic/claude-sonnet-4', 'Claude Sonnet 4', { description: 'Balanced model for coding', context_length: 200000, created: 1750000000 }),
  m('openai/gpt-4o-mini', 'GPT-4o mini', { sort_price: { text: '0.00000015' }, created: 1720000000 }),
  m('meta/llama-3-8b', 'Llama 3 8B', { sort_price: { text: '0.00000005' }, context_length: 8192 }),
  m('meta/llama-3-8b:free', 'Llama 3 8B (free)', {
    is_free: true,
    sort_price: { text: '0' },
    context_length: 8192,
    prices: { text: [{ field: 'prompt', usd: '0', unit: 'token' }, { field: 'completion', usd: '0', unit: 'token' }] },
  }),
  m('anthropic/claude-3-haiku', 'Claude 3 Haiku', { sort_price: { text: '0.00000025' }, created: 1710000000 }),
];
const rows = toRows(models, 'text');
const ids = (s = EMPTY_STATE, expanded?: Set<string>) => visibleItems(rows, s, expanded).map((i) => i.row.id);

describe('the model list', () => {
  it('reads and writes the URL state with the issue’s parameter names', () => {
    const q = '?type=text&q=claude&sort=price&provider=anthropic&free=1&variants=1';
    const { type, state } = parseSearch(q);
    expect(type).toBe('text');
    expect(state).toEqual({ q: 'claude', sort: 'price', provider: 'anthropic', free: true, ctx: 0, variants: true });
    expect(toSearch(type, state)).toBe(q);
    expect(parseSearch('?type=video&sort=cheap').type).toBeNull();
    expect(parseSearch('?sort=cheap').state.sort).toBe('');
  });

  it('sorts by price with a free model first, by context, newest and name', () => {
    expect(ids({ ...EMPTY_STATE, sort: 'price', variants: true })[0]).toBe('meta/llama-3-8b:free');
    expect(ids({ ...EMPTY_STATE, sort: 'context' })[0]).toBe('anthropic/claude-sonnet-4');
    expect(ids({ ...EMPTY_STATE, sort: 'newest' })[0]).toBe('anthropic/claude-sonnet-4');
    expect(ids({ ...EMPTY_STATE, sort: 'name', variants: true })).toEqual([
      'anthropic/claude-3-haiku',
      'anthropic/claude-sonnet-4',
      'openai/gpt-4o-mini',
      'meta/llama-3-8b',
      'meta/llama-3-8b:free',
    ]);
  });

  it('matches search words in any order across name, id, provider and description', () => {
    expect(ids({ ...EMPTY_STATE, q: 'sonnet anthropic' })).toEqual(['anthropic/claude-sonnet-4']);
    expect(ids({ ...EMPTY_STATE, q: 'coding claude' })).toEqual(['anthropic/claude-sonnet-4']);
    expect(ids({ ...EMPTY_STATE, q: 'gpt-4o' })).toEqual(['openai/gpt-4o-mini']);
    expect(ids({ ...EMPTY_STATE, q: 'haiku sonnet' })).toEqual([]);
  });

  it('filters by provider id, free only and minimum context', () => {
    expect(ids({ ...EMPTY_STATE, provider: 'anthropic' })).toEqual(['anthropic/claude-sonnet-4', 'anthropic/claude-3-haiku']);
    expect(ids({ ...EMPTY_STATE, free: true })).toEqual(['meta/llama-3-8b:free']);
    expect(ids({ ...EMPTY_STATE, ctx: 32000 })).not.toContain('meta/llama-3-8b');
    expect(providerOptions(rows).map((p) => `${p.id}=${p.name}:${p.count}`)).toEqual(['anthropic=Anthropic:2', 'meta=Meta:2', 'openai=OpenAI:1']);
  });

  it('folds variants under their base model, the one that sorts first on top, and unfolds a group', () => {
    const items = visibleItems(rows, { ...EMPTY_STATE, sort: 'price' });
    expect(items.map((i) => i.row.id)).toEqual(['meta/llama-3-8b:free', 'openai/gpt-4o-mini', 'anthropic/claude-3-haiku', 'anthropic/claude-sonnet-4']);
    expect(items[0].folded).toBe(1);
    const open = visibleItems(rows, { ...EMPTY_STATE, sort: 'price' }, new Set(['meta/llama-3-8b']));
    expect(open.slice(0, 2).map((i) => [i.row.id, i.child])).toEqual([
      ['meta/llama-3-8b:free', false],
      ['meta/llama-3-8b', true],
    ]);
  });

  it('shows as columns the pricing fields the type’s models list', () => {
    expect(priceColumns(rows)).toEqual(['prompt', 'completion']);
  });

  it('falls back to the seed’s per-token prices and id author when the server sends no new fields', () => {
    const [r] = toRows([{ id: 'x/y:beta', name: 'Y', provider: 'X Corp', pricing: { prompt: '0', completion: '0' } }], 'text');
    expect(r).toMatchObject({ providerId: 'x', providerName: 'X Corp', base: 'x/y', variant: 'beta', isFree: true, sortPrice: 0 });
  });
});
