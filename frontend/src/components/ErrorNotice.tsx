import { useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import { errorMessage } from '../api/errors';
import { useI18n, type MessageKey } from '../i18n';
import { ROUTES } from '../router';
import { Link } from './Link';

/** Where a user fixes an error: a page of this app, OpenRouter's site, or trying again. */
export type Fix = { kind: 'link'; href: string; label: MessageKey; external?: boolean } | { kind: 'retry' } | null;

export const OPENROUTER_CREDITS = 'https://openrouter.ai/settings/credits';
export const OPENROUTER_KEYS = 'https://openrouter.ai/settings/keys';

/** The fix of an error by its code. */
export function fixFor(err: unknown, modelsHref?: string): Fix {
  if (!(err instanceof ApiError)) return { kind: 'retry' };
  switch (err.code) {
    case 'no_api_key':
      return { kind: 'link', href: ROUTES.apiKeys, label: 'fix.addKey' };
    case 'invalid_key':
    case 'key_unreadable':
    case 'forbidden':
      return { kind: 'link', href: ROUTES.apiKeys, label: 'fix.replaceKey' };
    case 'insufficient_credits':
      return { kind: 'link', href: OPENROUTER_CREDITS, label: 'fix.addCredits', external: true };
    case 'model_not_found':
    case 'model_type_mismatch':
      return modelsHref ? { kind: 'link', href: modelsHref, label: 'fix.chooseModel' } : { kind: 'retry' };
    case 'validation_error':
    case 'bad_request':
    case 'payload_too_large':
    case 'conflict':
    case 'not_found':
    case 'unauthorized':
      return null;
    default:
      return { kind: 'retry' };
  }
}

/** Counts whole seconds down from `from` to 0, once a second. */
export function useCountdown(from: number | null): number {
  const [left, setLeft] = useState(from ?? 0);
  useEffect(() => {
    setLeft(from ?? 0);
    if (!from || from <= 0) return;
    const started = Date.now();
    const id = window.setInterval(() => {
      const l = Math.max(0, from - Math.floor((Date.now() - started) / 1000));
      setLeft(l);
      if (l === 0) window.clearInterval(id);
    }, 250);
    return () => window.clearInterval(id);
  }, [from]);
  return left;
}

interface Props {
  error: unknown;
  onRetry?: () => void;
  /** Where "choose another model" leads. */
  modelsHref?: string;
  retryLabel?: string;
}

/** An error in words, the countdown of a 429's Retry-After, and a link or button to fix it. */
export function ErrorNotice({ error, onRetry, modelsHref, retryLabel }: Props) {
  const { t } = useI18n();
  const retryAfter = error instanceof ApiError && (error.status === 429 || error.status === 503) ? error.retryAfter : null;
  const left = useCountdown(retryAfter);
  const fix = fixFor(error, modelsHref);
  return (
    <div className="notice error" role="alert" data-code={error instanceof ApiError ? error.code : 'unknown'}>
      <p>{errorMessage(t, error)}</p>
      {retryAfter !== null && left > 0 && (
        <p className="countdown" data-testid="retry-countdown">
          {t('errors.retryIn', { seconds: left })}
        </p>
      )}
      {fix?.kind === 'link' &&
        (fix.external ? (
          <a className="btn small" href={fix.href} target="_blank" rel="noreferrer">
            {t(fix.label)}
          </a>
        ) : (
          <Link href={fix.href} className="btn small">
            {t(fix.label)}
          </Link>
        ))}
      {fix?.kind === 'retry' && onRetry && (
        <button type="button" className="btn small" onClick={onRetry} disabled={retryAfter !== null && left > 0}>
          {retryLabel ?? t('common.retry')}
        </button>
      )}
    </div>
  );
}
