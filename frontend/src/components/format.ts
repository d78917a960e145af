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
