import { useId, useRef, useState, type FormEvent } from 'react';
import { useI18n } from '../i18n';
import { LanguageSwitch } from './LanguageSwitch';

interface Props {
  expired: boolean;
  onToken: (token: string) => void;
}

/** Shown when there is no admin token (or the server refused it). */
export function TokenScreen({ expired, onToken }: Props) {
  const { t } = useI18n();
  const id = useId();
  const ref = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | null>(null);

  function submit(e: FormEvent) {
    e.preventDefault();
    const value = ref.current?.value.trim() ?? '';
    if (!value) {
      setError(t('token.required'));
      ref.current?.focus();
      return;
    }
    if (ref.current) ref.current.value = '';
    onToken(value);
  }

  return (
    <main className="token-screen" id="main">
      <div className="token-lang">
        <LanguageSwitch />
      </div>
      <form className="card token-card" onSubmit={submit} aria-labelledby={`${id}-title`}>
        <div className="brand large" aria-hidden="true">
          <span className="logo">ai</span>
        </div>
        <h1 id={`${id}-title`}>{t('token.title')}</h1>
        <p className="muted">{t('token.intro')}</p>
        {expired && (
          <p className="notice warn" role="alert">
            {t('token.expired')}
          </p>
        )}
        <label htmlFor={`${id}-token`} className="label">
          {t('token.label')}
        </label>
        <input
          id={`${id}-token`}
          ref={ref}
          className="input"
          type="password"
          autoComplete="off"
          spellCheck={false}
          autoFocus
          aria-invalid={!!error}
          aria-describedby={error ? `${id}-err` : undefined}
        />
        {error && (
          <p id={`${id}-err`} className="field-error">
            {error}
          </p>
        )}
        <button type="submit" className="btn primary block">
          {t('token.submit')}
        </button>
      </form>
    </main>
  );
}
