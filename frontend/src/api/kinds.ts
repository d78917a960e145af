// Every error code the server can send, and every outcome the usage ledger records, with its words.
// The codes are the Go side's: adapters/echoapi/errors.go (StatusOf, httpCode), core/domain/usage.go
// (ErrorKind, the outcome of a usage row) and core/domain/balance.go (the connection test's statuses).
// kinds.test.ts reads those files and fails when a code there has no entry here.
import type { MessageKey, TFunc } from '../i18n';

/** The error codes of the API's error bodies and the ledger's outcomes ("network" is the client's own). */
export const ERROR_CODES = [
  'canceled',
  'model_type_mismatch',
  'model_not_found',
  'validation_error',
  'no_api_key',
  'invalid_key',
  'forbidden',
  'insufficient_credits',
  'rate_limited',
  'upstream_rejected',
  'not_found',
  'conflict',
  'timeout',
  'bad_upstream_response',
  'upstream_unavailable',
  'store_unavailable',
  'key_unreadable',
  'internal',
  'bad_request',
  'unauthorized',
  'method_not_allowed',
  'payload_too_large',
  'unsupported_media_type',
  'unavailable',
  'network',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The sentence a failed request shows, per code. */
export const ERROR_MESSAGES: Record<ErrorCode, MessageKey> = {
  canceled: 'errors.canceled',
  model_type_mismatch: 'errors.model_type_mismatch',
  model_not_found: 'errors.model_not_found',
  validation_error: 'errors.validation_error',
  no_api_key: 'errors.no_api_key',
  invalid_key: 'errors.invalid_key',
  forbidden: 'errors.forbidden',
  insufficient_credits: 'errors.insufficient_credits',
  rate_limited: 'errors.rate_limited',
  upstream_rejected: 'errors.upstream_rejected',
  not_found: 'errors.not_found',
  conflict: 'errors.conflict',
  timeout: 'errors.timeout',
  bad_upstream_response: 'errors.bad_upstream_response',
  upstream_unavailable: 'errors.upstream_unavailable',
  store_unavailable: 'errors.store_unavailable',
  key_unreadable: 'errors.key_unreadable',
  internal: 'errors.internal',
  bad_request: 'errors.bad_request',
  unauthorized: 'errors.unauthorized',
  method_not_allowed: 'errors.method_not_allowed',
  payload_too_large: 'errors.payload_too_large',
  unsupported_media_type: 'errors.unsupported_media_type',
  unavailable: 'errors.unavailable',
  network: 'errors.network',
};

/** A short name of each outcome, for the usage page's outcome column, its filter and its error counts. */
export const OUTCOME_LABELS: Record<ErrorCode | 'ok', MessageKey> = {
  ok: 'usage.outcomeOk',
  canceled: 'outcome.canceled',
  model_type_mismatch: 'outcome.model_type_mismatch',
  model_not_found: 'outcome.model_not_found',
  validation_error: 'outcome.validation_error',
  no_api_key: 'outcome.no_api_key',
  invalid_key: 'outcome.invalid_key',
  forbidden: 'outcome.forbidden',
  insufficient_credits: 'outcome.insufficient_credits',
  rate_limited: 'outcome.rate_limited',
  upstream_rejected: 'outcome.upstream_rejected',
  not_found: 'outcome.not_found',
  conflict: 'outcome.conflict',
  timeout: 'outcome.timeout',
  bad_upstream_response: 'outcome.bad_upstream_response',
  upstream_unavailable: 'outcome.upstream_unavailable',
  store_unavailable: 'outcome.store_unavailable',
  key_unreadable: 'outcome.key_unreadable',
  internal: 'outcome.internal',
  bad_request: 'outcome.bad_request',
  unauthorized: 'outcome.unauthorized',
  method_not_allowed: 'outcome.method_not_allowed',
  payload_too_large: 'outcome.payload_too_large',
  unsupported_media_type: 'outcome.unsupported_media_type',
  unavailable: 'outcome.unavailable',
  network: 'outcome.network',
};

/** The connection test's statuses (domain.ConnectionStatus) and their sentences. */
export const CONNECTION_MESSAGES: Record<string, MessageKey> = {
  success: 'test.success',
  no_key: 'test.no_key',
  invalid_key: 'test.invalid_key',
  insufficient_credits: 'test.insufficient_credits',
  rate_limited: 'test.rate_limited',
  network_error: 'test.network_error',
  timeout: 'test.timeout',
  upstream_error: 'test.upstream_error',
  key_unreadable: 'test.key_unreadable',
};

/** An outcome in words; a kind this build does not know keeps its code rather than showing nothing. */
export function outcomeLabel(t: TFunc, kind: string): string {
  const key = (OUTCOME_LABELS as Record<string, MessageKey | undefined>)[kind];
  return key ? t(key) : kind;
}
