import { describe, expect, it } from 'vitest';
import { balanceX, daily, daysOf, errorKinds, latencyByType, periodFor, stackTops, topModels } from './data';
import { balancePoints, dayTypeReport, modelReport, PERIOD7, typeReport } from './fixtures';
import { usageFormat } from './format';

describe('usage data', () => {
  it('takes whole UTC days up to today, across a month end', () => {
    expect(periodFor(7, new Date('2026-12-03T23:59:59Z'))).toEqual(PERIOD7);
    expect(periodFor(90, new Date('2026-03-01T00:00:00Z'))).toEqual({ from: '2025-12-02', to: '2026-03-01' });
    expect(daysOf('2026-02-27', '2026-03-01')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
    expect(daysOf('2026-03-02', '2026-03-01')).toEqual([]);
  });

  it('fills the days without rows with zero and sums the types of a day', () => {
    const s = daily(dayTypeReport(), PERIOD7);
    expect(s.days).toHaveLength(7);
    expect(s.types).toEqual(['text', 'audio']);
    expect(s.requests).toEqual([0, 0, 0, 0, 5, 0, 1]);
    expect(s.errors).toEqual([0, 0, 0, 0, 0, 0, 1]);
    expect(s.costTotal[4]).toBeCloseTo(0.0125, 12);
    const tops = stackTops(s);
    expect(tops[0][4]).toBeCloseTo(0.0123, 12);
    expect(tops[1][4]).toBeCloseTo(0.0125, 12);
  });

  it('ignores rows outside the period', () => {
    const r = dayTypeReport();
    r.groups.push({ ...r.groups[0], day: '2026-11-01' });
    expect(daily(r, PERIOD7).requests.reduce((a, b) => a + b)).toBe(6);
  });

  it('ranks models by spend and types in the known order, unknown types last', () => {
    expect(topModels(modelReport()).map((m) => m.model)).toEqual(['openai/gpt-4o-mini', 'openai/whisper-1']);
    expect(topModels(modelReport(), 1)).toHaveLength(1);
    const r = typeReport();
    r.groups.push({ ...r.groups[0], type: 'explicit', latency_ms: { p50: 1, p95: 2 } });
    expect(latencyByType(r).map((x) => x.type)).toEqual(['text', 'audio', 'explicit']);
  });

  it('orders error kinds by count', () => {
    expect(errorKinds({ ...dayTypeReport().total, errors_by_kind: { timeout: 1, rate_limited: 3, invalid_key: 0 } })).toEqual([
      ['rate_limited', 3],
      ['timeout', 1],
    ]);
  });

  it('places balance snapshots at fractional days of the period', () => {
    const { x, y } = balanceX([...balancePoints].reverse(), PERIOD7);
    expect(x[0]).toBeCloseTo(4 + 10 / 24, 9);
    expect(x[1]).toBeCloseTo(6 + 9.5 / 24, 9);
    expect(y).toEqual([239.27, 239.2575]);
    // A snapshot taken while the credits were unknown is left out of the line.
    const unknown = balanceX([...balancePoints, { time: '2026-12-02T00:00:00Z', balance: 0, balance_known: false, used: 0 }], PERIOD7);
    expect(unknown.y).toEqual([239.27, 239.2575]);
  });
});

describe('usage format', () => {
  const nb = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
  it('formats money and counts per language', () => {
    const en = usageFormat('en');
    const ru = usageFormat('ru');
    expect(en.money(0)).toBe('$0.00');
    expect(en.money(0.000021)).toBe('$0.000021');
    expect(en.money(1.23456)).toBe('$1.2346');
    expect(en.money(1234.567)).toBe('$1,234.57');
    expect(en.money(null)).toBe('—');
    expect(nb(ru.money(1234.567))).toBe('1 234,57 $');
    expect(nb(ru.money(0.0005))).toBe('0,0005 $');
    expect(en.count(12345)).toBe('12,345');
    expect(nb(ru.count(12345))).toBe('12 345');
    expect(en.ms(850)).toBe('850 ms');
    expect(en.ms(12_500)).toBe('12.5 sec');
    expect(nb(ru.ms(850))).toBe('850 мс');
    expect(en.day('2026-12-03')).toBe('3 Dec');
    expect(ru.dayLong('2026-12-03')).toBe('3 дек. 2026 г.');
    expect(ru.dayAxis('2026-11-16')).toBe('16.11');
    expect(en.dayAxis('2026-11-16')).toBe('16 Nov');
  });
});
