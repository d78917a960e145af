import { afterEach, describe, expect, it, vi } from 'vitest';
import en from './en';
import ru from './ru';
import { detectLang, LANG_STORAGE_KEY, translate } from './index';

describe('i18n', () => {
  afterEach(() => {
    localStorage.clear();
    vi.restoreAllMocks();
  });

  it('has the same non-empty keys and placeholders in both dictionaries', () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(ru[key].trim(), key).not.toBe('');
      const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(ph(ru[key]), key).toEqual(ph(en[key]));
    }
  });

  it('fills placeholders', () => {
    expect(translate('en', 'models.showing', { shown: 50, total: 600 })).toBe('Showing 50 of 600');
  });

  it('prefers Russian when the browser does, English otherwise, and a stored choice wins', () => {
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['ru-RU', 'en']);
    expect(detectLang()).toBe('ru');
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['de-DE', 'fr']);
    expect(detectLang()).toBe('en');
    localStorage.setItem(LANG_STORAGE_KEY, 'ru');
    expect(detectLang()).toBe('ru');
  });
});
