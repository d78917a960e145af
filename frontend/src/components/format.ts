import type { TFunc } from '../i18n';

/** 128000 → "128K", 1048576 → "1M", 2000000 → "2M"; 0/absent → "". */
export function formatContext(t: TFunc, n: number | undefined | null): string {
  if (!n || n <= 0) return '';
  if (n >= 1_000_000) {
    const v = Math.round(n / 100_000) / 10;
    return t('models.contextM', { n: Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1) });
  }
  if (n >= 1000) return t('models.contextK', { n: Math.round(n / 1000) });
  return String(n);
}

/** Prices stay exactly as the server formats them; only the words are localized. */
export function formatPrice(t: TFunc, s: string | undefined | null): string {
  if (s === undefined || s === null || s.trim() === '') return t('models.priceUnknown');
  const lower = s.trim().toLowerCase();
  if (lower === 'free') return t('models.priceFree');
  if (lower === 'variable') return t('models.priceVariable');
  return s;
}

/** Moves the decimal point of a finite number k places, exactly (no binary float multiplication). */
function shiftDecimal(x: number, k: number): number {
  const [mantissa, exp] = x.toExponential().split('e');
  return Number(`${mantissa}e${Number(exp) + k}`);
}

/**
 * A dollar amount the way the server formats one (domain.FormatUSD), so the figures of one panel agree:
 * two decimals ("$0.50", "$25.50") for zero and anything from a cent up, as many decimals as a smaller
 * amount needs, up to six ("$0.004314", not "$0.00"), then "<$0.000001". Absent or not finite → "".
 */
export function formatUSD(x: number | undefined | null): string {
  if (x === undefined || x === null || !Number.isFinite(x)) return '';
  const sign = x < 0 ? '-' : '';
  const v = Math.abs(x);
  if (v === 0 || v >= 0.01) {
    const cents = Math.round(shiftDecimal(v, 2));
    return `${sign}$${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
  }
  const micros = Math.round(shiftDecimal(v, 6));
  if (micros === 0) return `${sign}<$0.000001`;
  return `${sign}$0.${String(micros).padStart(6, '0').replace(/0+$/, '')}`;
}

type Locale = 'en' | 'ru';
const LOCALE_TAG: Record<Locale, string> = { en: 'en-US', ru: 'ru-RU' };

// Constructing an Intl.NumberFormat costs far more than formatting with one, so each is made once, under a
// key the caller names (a string, not a serialisation of the options on every call).
const nfCache = new Map<string, Intl.NumberFormat>();
function nf(lang: Locale, key: string, opts: () => Intl.NumberFormatOptions): Intl.NumberFormat {
  const k = lang + key;
  let f = nfCache.get(k);
  if (!f) {
    f = new Intl.NumberFormat(LOCALE_TAG[lang], opts());
    nfCache.set(k, f);
  }
  return f;
}

/** Multiplies a decimal string by 10^k exactly, as a decimal string ("0.00000015", 6 → "0.15"). */
export function shiftDecimalString(s: string, k: number): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(s.trim());
  if (!m) return s;
  const [, sign, intPart = '', frac = ''] = m;
  let digits = intPart + frac;
  let point = intPart.length + k;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits = digits + '0'.repeat(point - digits.length);
  const i = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  const f = digits.slice(point).replace(/0+$/, '');
  return `${sign}${i}${f ? '.' + f : ''}`;
}

/**
 * US dollars in the language's money format: two decimals from a dollar up ("$2.50", "2,50 $"), and below a
 * dollar as many decimals as three significant digits need ("$0.075", "$0.0000075"), at least two.
 */
export function formatMoney(lang: Locale, usd: string | number | null | undefined, fractionDigits?: number): string {
  if (usd === null || usd === undefined || usd === '') return '';
  const x = typeof usd === 'number' ? usd : Number(usd);
  if (!Number.isFinite(x)) return String(usd);
  let digits = fractionDigits ?? 2;
  const a = Math.abs(x);
  if (fractionDigits === undefined && a > 0 && a < 1) {
    const p = Number(a.toPrecision(3)).toString();
    const dec = p.includes('e') ? Number(p.split('e-')[1] ?? 0) + 2 : (p.split('.')[1] ?? '').length;
    digits = Math.min(12, Math.max(2, dec));
  }
  return nf(lang, `usd${digits}`, () => ({ style: 'currency', currency: 'USD', minimumFractionDigits: digits, maximumFractionDigits: digits })).format(x);
}

// A list shows the same few context lengths hundreds of times: their compact forms are kept.
const compactCache = new Map<string, string>();

/** A count in the language's compact form: 1000000 → "1M" / "1 млн", 128000 → "128K" / "128 тыс.". */
export function formatCompact(lang: Locale, n: number): string {
  const k = lang + n;
  let s = compactCache.get(k);
  if (s === undefined) {
    const digits = n >= 1_000_000 && n % 1_000_000 !== 0 ? 1 : 0;
    s = nf(lang, `compact${digits}`, () => ({ notation: 'compact', maximumFractionDigits: digits })).format(n);
    if (compactCache.size > 5000) compactCache.clear();
    compactCache.set(k, s);
  }
  return s;
}

/** A duration in milliseconds: "850 ms" / "850 мс", from a second up "1.3 s" / "1,3 с". */
export function formatLatency(lang: Locale, ms: number): string {
  if (ms < 1000) return nf(lang, 'ms', () => ({ style: 'unit', unit: 'millisecond', maximumFractionDigits: 0 })).format(ms);
  return nf(lang, 's', () => ({ style: 'unit', unit: 'second', maximumFractionDigits: 1 })).format(ms / 1000);
}

/** A plain integer in the language's grouping ("1,234" / "1 234"). */
export function formatInt(lang: Locale, n: number): string {
  return nf(lang, 'int', () => ({ maximumFractionDigits: 0 })).format(n);
}
