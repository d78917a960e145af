import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import en from '../i18n/en';
import ru from '../i18n/ru';
import { translate } from '../i18n';
import { ApiError } from './client';
import { errorMessage } from './errors';
import { CONNECTION_MESSAGES, ERROR_CODES, ERROR_MESSAGES, OUTCOME_LABELS, outcomeLabel } from './kinds';

// The Go sources that name the codes: the repository root is two levels above frontend/src.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const source = (path: string) => readFileSync(join(root, path), 'utf8');

/** The body of a Go func, from its signature to the first closing brace at the start of a line. */
function goFunc(src: string, name: string): string {
  const start = src.indexOf(`func ${name}(`);
  if (start < 0) throw new Error(`func ${name} not found`);
  const end = src.indexOf('\n}\n', start);
  return src.slice(start, end);
}

/** The string literals a Go func returns as its last result: return "x" and return status, "x". */
function returnedCodes(body: string): string[] {
  return [...body.matchAll(/return (?:[\w.]+, )?"([a-z_]+)"/g)].map((m) => m[1]);
}

const errorsGo = source('adapters/echoapi/errors.go');
const usageGo = source('core/domain/usage.go');
const balanceGo = source('core/domain/balance.go');

const apiCodes = [...returnedCodes(goFunc(errorsGo, 'StatusOf')), ...returnedCodes(goFunc(errorsGo, 'httpCode'))];
const outcomes = returnedCodes(goFunc(usageGo, 'ErrorKind'));
const connection = [...balanceGo.matchAll(/ConnectionStatus = "([a-z_]+)"/g)].map((m) => m[1]);

describe('error kinds', () => {
  it('finds the codes in the Go sources', () => {
    // A guard against a parser that finds nothing and so checks nothing.
    expect(apiCodes).toContain('insufficient_credits');
    expect(apiCodes).toContain('bad_request');
    expect(outcomes).toContain('insufficient_credits');
    expect(connection).toContain('network_error');
    expect(apiCodes.length).toBeGreaterThan(20);
  });

  it('knows every code the API can send and every outcome the ledger records', () => {
    const known = new Set<string>(ERROR_CODES);
    expect([...new Set([...apiCodes, ...outcomes])].filter((c) => !known.has(c))).toEqual([]);
  });

  it('has a sentence and an outcome name for each, in English and in Russian', () => {
    for (const code of ERROR_CODES) {
      for (const key of [ERROR_MESSAGES[code], OUTCOME_LABELS[code]]) {
        expect(en[key]?.trim(), `${code}: en ${key}`).toBeTruthy();
        expect(ru[key]?.trim(), `${code}: ru ${key}`).toBeTruthy();
      }
      // Russian words, not the English ones copied over.
      expect(ru[OUTCOME_LABELS[code]], code).not.toBe(en[OUTCOME_LABELS[code]]);
      expect(ru[ERROR_MESSAGES[code]], code).not.toBe(en[ERROR_MESSAGES[code]]);
    }
  });

  it('has a sentence for each connection test status', () => {
    for (const status of connection) {
      const key = CONNECTION_MESSAGES[status];
      expect(key, status).toBeDefined();
      expect(ru[key], status).not.toBe(en[key]);
    }
  });

  it('shows no code as it is: an error and an outcome are words in both languages', () => {
    const t = (lang: 'en' | 'ru') => (k: Parameters<typeof translate>[1], v?: Record<string, string | number>) => translate(lang, k, v);
    for (const lang of ['en', 'ru'] as const) {
      for (const code of new Set([...apiCodes, ...outcomes])) {
        const label = outcomeLabel(t(lang), code);
        expect(label, `${lang} ${code}`).not.toBe(code);
        const msg = errorMessage(t(lang), new ApiError(400, code, 'detail'));
        // A snake_case code in a sentence is a raw key (one-word codes such as "timeout" are words too).
        if (code.includes('_')) expect(msg, `${lang} ${code}`).not.toContain(code);
        expect(msg).not.toBe(translate(lang, 'errors.unknown', { message: 'detail' }));
      }
    }
    expect(outcomeLabel(t('ru'), 'insufficient_credits')).toBe('Нет кредитов');
  });
});
