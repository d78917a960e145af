import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { CONNECTION_MESSAGES } from '../api/kinds';
import { api } from '../api/client';
import { errorMessage } from '../api/errors';
import type { KeyStatus, KeyVerification, TestResult } from '../api/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { OPENROUTER_KEYS } from '../components/ErrorNotice';
import { useI18n, type MessageKey } from '../i18n';

const PROVIDER = 'openrouter';

const TEST_KEYS = CONNECTION_MESSAGES;

type Flash = { kind: 'ok' | 'error' | 'warn'; text: string } | null;

const VERIFY_KEYS: Record<string, MessageKey> = { verified: 'keys.verified', rejected: 'keys.rejected', unchecked: 'keys.unchecked' };

/** What saving a key says, by what checking it found: never a plain "saved" for a rejected key. */
function savedFlash(t: (k: MessageKey, v?: Record<string, string>) => string, v: KeyVerification | null | undefined): Flash {
  switch (v?.status) {
    case 'verified':
      return { kind: 'ok', text: t('keys.savedVerified') };
    case 'rejected':
      return { kind: 'error', text: t('keys.savedRejected', { reason: v.reason || t('test.invalid_key') }) };
    case 'unchecked':
      return { kind: 'warn', text: t('keys.savedUnchecked', { reason: v.reason || t('test.network_error') }) };
    default:
      return { kind: 'ok', text: t('keys.saved') };
  }
}
type TestView = { kind: 'ok' | 'error'; text: string; status: string } | null;

export function ApiKeysPage() {
  const { t, formatDate } = useI18n();
  const inputId = useId();
  const hintId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState<KeyStatus | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [flash, setFlash] = useState<Flash>(null);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [testing, setTesting] = useState(false);
  const [test, setTest] = useState<TestView>(null);

  const load = useCallback(async () => {
    setLoadError(null);
    try {
      const keys = await api.getKeys();
      setStatus(keys.find((k) => k.provider === PROVIDER) ?? { provider: PROVIDER, configured: false });
    } catch (e) {
      setLoadError(e);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = inputRef.current;
    const key = input?.value.trim() ?? '';
    if (!key) {
      setFlash({ kind: 'error', text: t('keys.empty') });
      input?.focus();
      return;
    }
    setSaving(true);
    setFlash(null);
    setTest(null);
    try {
      const saved = await api.saveKey(PROVIDER, key);
      setStatus(saved);
      setFlash(savedFlash(t, saved?.verification));
    } catch (err) {
      setFlash({ kind: 'error', text: errorMessage(t, err) });
    } finally {
      // The plaintext key never stays in the page, saved or not.
      if (input) input.value = '';
      setSaving(false);
    }
  }

  async function onDelete() {
    setDeleting(true);
    try {
      await api.deleteKey(PROVIDER);
      setStatus({ provider: PROVIDER, configured: false });
      setFlash({ kind: 'ok', text: t('keys.deleted') });
      setTest(null);
    } catch (err) {
      setFlash({ kind: 'error', text: errorMessage(t, err) });
      void load();
    } finally {
      setDeleting(false);
      setConfirming(false);
    }
  }

  async function onTest() {
    setTesting(true);
    setTest(null);
    try {
      const r: TestResult = await api.testConnection();
      const key = TEST_KEYS[r.status];
      const text = key ? t(key) : t('test.unknown', { message: r.message });
      setTest({ kind: r.success ? 'ok' : 'error', text, status: r.status });
    } catch (err) {
      setTest({ kind: 'error', text: errorMessage(t, err), status: 'error' });
    } finally {
      setTesting(false);
    }
  }

  const configured = !!status?.configured;
  const verification = configured ? status?.verification : null;
  const pillKind = verification?.status === 'verified' ? 'ok' : verification?.status === 'rejected' ? 'bad' : verification ? 'warnpill' : configured ? 'ok' : 'off';
  const pillText = verification && VERIFY_KEYS[verification.status] ? t(VERIFY_KEYS[verification.status]) : configured ? t('keys.configured') : t('keys.notConfigured');

  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('keys.title')}</h1>
          <p className="muted">{t('keys.intro')}</p>
        </div>
      </div>

      <section className="card narrow" aria-labelledby={`${inputId}-h`}>
        <div className="card-head">
          <h2 id={`${inputId}-h`}>{t('keys.openrouter')}</h2>
          {status && (
            <span className={`pill ${pillKind}`} data-testid="key-state" data-verification={verification?.status ?? ''}>
              {pillText}
            </span>
          )}
        </div>

        {loadError ? (
          <div className="notice error" role="alert">
            <p>{errorMessage(t, loadError)}</p>
            <button type="button" className="btn small" onClick={() => void load()}>
              {t('common.retry')}
            </button>
          </div>
        ) : !status ? (
          <p className="muted">{t('common.loading')}</p>
        ) : (
          configured && (
            <dl className="key-facts">
              <div>
                <dt>{t('keys.masked')}</dt>
                <dd>
                  <code data-testid="masked-key">{status.masked}</code>
                </dd>
              </div>
              {verification && (
                <div data-testid="key-verification">
                  <dt>{pillText}</dt>
                  <dd>
                    {verification.checked_at ? t('keys.checkedAt', { date: formatDate(verification.checked_at) }) : '—'}
                    {verification.reason && verification.status !== 'verified' && <span className="muted"> · {verification.reason}</span>}
                  </dd>
                </div>
              )}
              {status.updated_at && (
                <div>
                  <dt>{t('keys.updatedAt')}</dt>
                  <dd>
                    <time dateTime={status.updated_at}>{formatDate(status.updated_at)}</time>
                  </dd>
                </div>
              )}
            </dl>
          )
        )}

        <form className="key-form" onSubmit={onSubmit} autoComplete="off">
          <label htmlFor={inputId} className="label">
            {t('keys.inputLabel')}
          </label>
          <p id={hintId} className="muted small">
            {t('keys.inputHint')}
          </p>
          <div className="row">
            <input
              id={inputId}
              ref={inputRef}
              className="input grow"
              type="password"
              name="openrouter-key"
              autoComplete="off"
              spellCheck={false}
              aria-describedby={hintId}
              placeholder={t('keys.inputPlaceholder')}
              disabled={saving}
            />
            <button type="submit" className="btn primary" disabled={saving} aria-busy={saving}>
              {saving ? t('keys.saving') : configured ? t('keys.replace') : t('keys.save')}
            </button>
          </div>
        </form>

        <div aria-live="polite" className="live">
          {flash && (
            <div className={`notice ${flash.kind === 'ok' ? 'success' : flash.kind}`} role={flash.kind === 'error' ? 'alert' : undefined} data-testid="key-flash">
              <p>{flash.text}</p>
              {flash.kind === 'error' && verification?.status === 'rejected' && (
                <a className="btn small" href={OPENROUTER_KEYS} target="_blank" rel="noreferrer">
                  {t('keys.openrouterKeys')}
                </a>
              )}
            </div>
          )}
        </div>

        <div className="row actions-row">
          <button type="button" className="btn" onClick={() => void onTest()} disabled={testing} aria-busy={testing}>
            {testing && <span className="spinner" aria-hidden="true" />}
            {testing ? t('keys.testing') : t('keys.test')}
          </button>
          {configured && (
            <button type="button" className="btn danger-outline" onClick={() => setConfirming(true)} disabled={deleting}>
              {t('keys.delete')}
            </button>
          )}
        </div>

        <div aria-live="polite" className="live" data-testid="test-result">
          {test && (
            <p className={`notice ${test.kind === 'ok' ? 'success' : 'error'}`} data-status={test.status}>
              {test.text}
            </p>
          )}
        </div>
      </section>

      {confirming && (
        <ConfirmDialog
          title={t('keys.confirmTitle')}
          body={t('keys.confirmBody')}
          confirmLabel={deleting ? t('keys.deleting') : t('keys.delete')}
          busy={deleting}
          onConfirm={() => void onDelete()}
          onCancel={() => setConfirming(false)}
        />
      )}
    </>
  );
}
