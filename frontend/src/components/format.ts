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
