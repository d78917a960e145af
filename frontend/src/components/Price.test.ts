import { describe, expect, it } from 'vitest';
import { translate, type MessageKey } from '../i18n';
import { formatMoney, shiftDecimalString } from './format';
import type { Model } from '../api/types';
import { priceChangeText, priceText } from './Price';

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

describe('priceChangeText', () => {
  const tr = (lang: 'en' | 'ru') => (k: Parameters<typeof translate>[1], v?: Record<string, string | number>) => translate(lang, k, v);
  const whisper = { id: 'openai/whisper-1', name: 'Whisper', all_prices: [{ field: 'prompt', usd: '0.009', unit: 'minute' }] } as unknown as Model;
  it('says a changed price in the field’s unit, in the language’s money format', () => {
    const c = { id: 'openai/whisper-1', field: 'prompt', old: '0.006', new: '0.009' };
    expect(priceChangeText(tr('en'), 'en', c, whisper)).toBe('Input: $0.006 → $0.009 per minute');
    expect(priceChangeText(tr('ru'), 'ru', c, whisper).replace(/[\u00a0\u202f]/g, ' ')).toBe('Вход: 0,006 $ → 0,009 $ за минуту');
  });
  it('scales token prices to 1M tokens and says when a price is new', () => {
    const m = { id: 'x/y', all_prices: [{ field: 'completion', usd: '0.000002', unit: 'token' }] } as unknown as Model;
    expect(priceChangeText(tr('en'), 'en', { id: 'x/y', field: 'completion', old: '', new: '0.000002' }, m)).toBe('Output: none → $2.00 per 1M tokens');
  });
});
