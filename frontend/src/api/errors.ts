import type { MessageKey, TFunc } from '../i18n';
import { ApiError } from './client';

const KNOWN: Record<string, MessageKey> = {
  unauthorized: 'errors.unauthorized',
  no_api_key: 'errors.no_api_key',
  invalid_key: 'errors.invalid_key',
  insufficient_credits: 'errors.insufficient_credits',
  rate_limited: 'errors.rate_limited',
  upstream_unavailable: 'errors.upstream_unavailable',
  timeout: 'errors.timeout',
  bad_upstream_response: 'errors.bad_upstream_response',
  model_not_found: 'errors.model_not_found',
  model_type_mismatch: 'errors.model_type_mismatch',
  validation_error: 'errors.validation_error',
  conflict: 'errors.conflict',
  not_found: 'errors.not_found',
  network: 'errors.network',
  forbidden: 'errors.forbidden',
  upstream_rejected: 'errors.upstream_rejected',
  store_unavailable: 'errors.store_unavailable',
  key_unreadable: 'errors.key_unreadable',
  payload_too_large: 'errors.payload_too_large',
  bad_request: 'errors.bad_request',
};

/** Friendly, localized text for an error thrown by the API client. */
export function errorMessage(t: TFunc, err: unknown): string {
  if (err instanceof ApiError) {
    const key = KNOWN[err.code];
    if (key) return t(key, { message: err.message });
    return t('errors.unknown', { message: err.message });
  }
  return t('errors.unknown', { message: err instanceof Error ? err.message : String(err) });
}
