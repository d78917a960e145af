// Numbers, money, durations and days of the usage page, formatted per language with Intl.
import type { Lang } from '../../i18n';

const LOCALES: Record<Lang, string> = { en: 'en-US', ru: 'ru-RU' };
const DATE_LOCALES: Record<Lang, string> = { en: 'en-GB', ru: 'ru-RU' };

export interface UsageFormat {
  /** USD: two decimals from a dollar up, more (up to six) for the small amounts single requests cost. */
  money: (x: number | null | undefined) => string;
  /** A whole number, grouped per language ("1,234" / "1 234"). */
  count: (n: number | null | undefined) => string;
  ms: (n: number | null | undefined) => string;
  percent: (share: number) => string;
  /** A YYYY-MM-DD day, short ("3 Dec"). */
  day: (d: string) => string;
  /** A YYYY-MM-DD day for a chart's axis, as short as the language allows ("3 Dec", "3.12"). */
  dayAxis: (d: string) => string;
  /** A YYYY-MM-DD day with its year ("3 Dec 2026"). */
  dayLong: (d: string) => string;
  /** An instant, in UTC, to the second. */
  time: (iso: string) => string;
}

const cache = new Map<Lang, UsageFormat>();

/** The formatters of one language (built once per language). */
export function usageFormat(lang: Lang): UsageFormat {
  const hit = cache.get(lang);
  if (hit) return hit;
  const loc = LOCALES[lang];
  const money2 = new Intl.NumberFormat(loc, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const money4 = new Intl.NumberFormat(loc, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 });
  const money6 = new Intl.NumberFormat(loc, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 6 });
  const int = new Intl.NumberFormat(loc, { maximumFractionDigits: 0 });
  const ms = new Intl.NumberFormat(loc, { style: 'unit', unit: 'millisecond', unitDisplay: 'short', maximumFractionDigits: 0 });
  const sec = new Intl.NumberFormat(loc, { style: 'unit', unit: 'second', unitDisplay: 'short', maximumFractionDigits: 1 });
  const pct = new Intl.NumberFormat(loc, { style: 'percent', maximumFractionDigits: 1 });
  const day = new Intl.DateTimeFormat(DATE_LOCALES[lang], { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const dayAxis =
    lang === 'ru' ? new Intl.DateTimeFormat('ru-RU', { day: 'numeric', month: 'numeric', timeZone: 'UTC' }) : day;
  const dayLong = new Intl.DateTimeFormat(DATE_LOCALES[lang], { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  const time = new Intl.DateTimeFormat(DATE_LOCALES[lang], {
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZone: 'UTC',
  });
  const ok = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);
  const f: UsageFormat = {
    money: (x) => {
      if (!ok(x)) return '—';
      const a = Math.abs(x);
      return (a === 0 || a >= 100 ? money2 : a >= 1 ? money4 : money6).format(x);
    },
    count: (n) => (ok(n) ? int.format(n) : '—'),
    ms: (n) => (!ok(n) ? '—' : n >= 10_000 ? sec.format(n / 1000) : ms.format(n)),
    percent: (share) => pct.format(share),
    day: (d) => day.format(dayDate(d)),
    dayAxis: (d) => dayAxis.format(dayDate(d)),
    dayLong: (d) => dayLong.format(dayDate(d)),
    time: (iso) => {
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? iso : time.format(d);
    },
  };
  cache.set(lang, f);
  return f;
}

/** The UTC midnight of a YYYY-MM-DD day. */
export function dayDate(d: string): Date {
  return new Date(`${d.slice(0, 10)}T00:00:00Z`);
}
