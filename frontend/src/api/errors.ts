import type { MessageKey, TFunc } from '../i18n';
import { ApiError } from './client';
import { ERROR_MESSAGES } from './kinds';

const KNOWN = ERROR_MESSAGES as Record<string, MessageKey | undefined>;


/** Friendly, localized text for an error thrown by the API client. */
export function errorMessage(t: TFunc, err: unknown): string {
  if (err instanceof ApiError) {
    const key = KNOWN[err.code];
    if (key) return t(key, { message: err.message });
    return t('errors.unknown', { message: err.message });
  }
  return t('errors.unknown', { message: err instanceof Error ? err.message : String(err) });
}
