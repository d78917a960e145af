import { describe, expect, it } from 'vitest';
import { translate, type MessageKey } from '../i18n';
import { formatMoney, shiftDecimalString } from './format';
import { priceText } from './Price';

const tEn = (k: MessageKey, v?: Record<string, string | number>) => translate('en', k, v);
const tRu = (k: MessageKey, v?: Record<string, string | number>) => translate('ru', k, v);
const norm = (s: string) => s.replace(/\u00a0|\u202f/g, ' ');

describe('prices', () => {
  it('shifts decimals exactly', () => {
    expect(shiftDecimalString('0.00000015', 6)).toBe('0.15');
    expect(shiftDecimalString('0.000032', 6)).toBe('32');
    expect(shiftDecimalString('3', 6)).toBe('3000000');
    expect(shiftDecimalString('0.0000000075', 6)).toBe('0.0075');
  });

  it('shows token prices per 1M tokens in each language', () => {
    const e = { field: 'audio', usd: '0.000032', unit: 'audio_token' };
    expect(priceText(tEn, 'en', e)).toEqual({ amount: '$32.00', unit: 'per 1M audio tokens' });
    const ru = priceText(tRu, 'ru', e);
    expect(norm(ru.amount)).toBe('32,00 $');
    expect(norm(ru.unit)).toBe('за 1 млн аудиотокенов');
  });

  it('shows a per-minute price as it is, and a field without a documented unit by its name', () => {
    expect(priceText(tEn, 'en', { field: 'audio', usd: '0.006', unit: 'minute' })).toEqual({ amount: '$0.006', unit: 'per minute' });
    expect(priceText(tEn, 'en', { field: 'image', usd: '0.0000258', unit: null })).toEqual({ amount: '$0.0000258', unit: '(image)' });
  });

  it('says free and variable in words', () => {
    expect(priceText(tRu, 'ru', { field: 'prompt', usd: '0', unit: 'token' }).amount).toBe('бесплатно');
    expect(priceText(tEn, 'en', { field: 'prompt', usd: '-1', unit: 'token' }).amount).toBe('variable');
  });

  it('formats money per language', () => {
    expect(formatMoney('en', 239.26)).toBe('$239.26');
    expect(norm(formatMoney('ru', 239.26))).toBe('239,26 $');
    expect(formatMoney('en', '0.075')).toBe('$0.075');
    expect(formatMoney('en', '0.5')).toBe('$0.50');
  });
});
