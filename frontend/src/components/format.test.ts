import { describe, expect, it } from 'vitest';
import { formatUSD } from './format';

describe('formatUSD', () => {
  it('formats dollars the way the server does', () => {
    const cases: [number, string][] = [
      [0, '$0.00'],
      [25.5, '$25.50'],
      [239.26104433, '$239.26'],
      [300, '$300.00'],
      [1.005, '$1.01'],
      [0.01, '$0.01'],
      [0.0099999999, '$0.01'],
      [-2.5, '-$2.50'],
    ];
    for (const [x, want] of cases) expect(formatUSD(x), String(x)).toBe(want);
  });

  it('keeps small amounts visible instead of rounding them to $0.00', () => {
    const cases: [number, string][] = [
      [0.004314447, '$0.004314'],
      [0.006, '$0.006'],
      [0.0005, '$0.0005'],
      [0.000001, '$0.000001'],
      [4e-7, '<$0.000001'],
      [-0.003, '-$0.003'],
    ];
    for (const [x, want] of cases) expect(formatUSD(x), String(x)).toBe(want);
  });

  it('gives nothing for an absent or impossible amount', () => {
    expect(formatUSD(undefined)).toBe('');
    expect(formatUSD(null)).toBe('');
    expect(formatUSD(Number.NaN)).toBe('');
    expect(formatUSD(Number.POSITIVE_INFINITY)).toBe('');
  });
});
