import type { Model, PriceChange, PriceEntry } from '../api/types';
import { useI18n, type MessageKey, type TFunc } from '../i18n';
import { formatCompact, formatMoney, shiftDecimalString } from './format';

const PER_MILLION = new Set(['token', 'audio_token', 'image_token']);
const UNIT_KEYS: Record<string, MessageKey> = {
  token: 'unit.token',
  audio_token: 'unit.audio_token',
  image_token: 'unit.image_token',
  image: 'unit.image',
  request: 'unit.request',
  minute: 'unit.minute',
  second: 'unit.second',
  search: 'unit.search',
};

const FIELD_KEYS: Record<string, MessageKey> = {
  prompt: 'field.prompt',
  completion: 'field.completion',
  audio: 'field.audio',
  image: 'field.image',
  image_token: 'field.image_token',
  image_output: 'field.image_output',
  request: 'field.request',
  web_search: 'field.web_search',
  internal_reasoning: 'field.internal_reasoning',
  input_cache_read: 'field.input_cache_read',
  input_cache_write: 'field.input_cache_write',
};

/** A pricing field's name in words ("prompt" → "Input"); an undocumented field keeps its own name. */
export function fieldLabel(t: TFunc, field: string): string {
  const k = FIELD_KEYS[field];
  return k ? t(k) : field;
}

export interface PriceText {
  amount: string;
  /** "per 1M tokens"; for a field without a documented unit, the field's own name in parentheses. */
  unit: string;
  free?: boolean;
}

/** A price in the language: token prices per 1M tokens, other documented units as they are. */
export function priceText(t: TFunc, lang: 'en' | 'ru', e: PriceEntry): PriceText {
  const x = Number(e.usd);
  if (!Number.isFinite(x)) return { amount: t('models.priceUnknown'), unit: '' };
  if (x < 0) return { amount: t('models.priceVariable'), unit: '' };
  if (x === 0) return { amount: t('models.priceFree'), unit: '', free: true };
  const unit = e.unit ?? '';
  const key = UNIT_KEYS[unit];
  if (!key) return { amount: formatMoney(lang, e.usd), unit: t('unit.none', { field: e.field }) };
  if (PER_MILLION.has(unit)) {
    return { amount: formatMoney(lang, shiftDecimalString(e.usd, 6)), unit: t(key, { n: formatCompact(lang, 1_000_000) }) };
  }
  return { amount: formatMoney(lang, e.usd), unit: t(key) };
}

// A catalog's price entries are the same objects from render to render: each is formatted once per language.
const texts: Record<'en' | 'ru', WeakMap<PriceEntry, PriceText>> = { en: new WeakMap(), ru: new WeakMap() };

/** priceText, kept per entry object and language. */
export function cachedPriceText(t: TFunc, lang: 'en' | 'ru', e: PriceEntry): PriceText {
  const cache = texts[lang];
  let p = cache.get(e);
  if (!p) {
    p = priceText(t, lang, e);
    cache.set(e, p);
  }
  return p;
}

/** One price: the amount, and its unit in smaller type. */
export function Price({ entry }: { entry: PriceEntry | undefined }) {
  const { t, lang } = useI18n();
  if (!entry) return <span className="price none">—</span>;
  const p = cachedPriceText(t, lang, entry);
  return (
    <span className={`price${p.free ? ' free' : ''}`}>
      <span className="amount">{p.amount}</span>
      {p.unit && (
        <>
          {' '}
          <span className="unit">{p.unit}</span>
        </>
      )}
    </span>
  );
}

/**
 * One changed price in words: "Input: $0.006 → $0.009 per minute". The unit is the one the model's own
 * entry for the field has (the change carries bare decimals); a field gone or new says so.
 */
export function priceChangeText(t: TFunc, lang: 'en' | 'ru', c: PriceChange, model?: Model | null): string {
  const unit = (model?.all_prices ?? []).find((e) => e.field === c.field)?.unit ?? Object.values(model?.prices ?? {}).flat().find((e) => e?.field === c.field)?.unit ?? '';
  const side = (usd: string) => (usd === '' ? null : priceText(t, lang, { field: c.field, usd, unit }));
  const before = side(c.old);
  const after = side(c.new);
  const words = (p: PriceText | null) => (p ? (p.unit ? `${p.amount} ${p.unit}` : p.amount) : t('changes.noPrice'));
  // One unit after both amounts when they share it: "$0.006 → $0.009 per minute".
  const figures = before && after && before.unit === after.unit && before.unit ? `${before.amount} → ${after.amount} ${after.unit}` : `${words(before)} → ${words(after)}`;
  return `${fieldLabel(t, c.field)}: ${figures}`;
}
