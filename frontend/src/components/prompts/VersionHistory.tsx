import { useCallback, useEffect, useId, useState } from 'react';
import { api } from '../../api/client';
import { errorMessage } from '../../api/errors';
import type { Prompt, PromptVersion } from '../../api/types';
import { useI18n } from '../../i18n';
import { LongText } from './LongText';

/**
 * A prompt's versions, newest first; every version but the current one can
 * be restored, which saves its text as a new latest version (the history
 * keeps them all). onRestored gets the prompt as restored.
 */
export function VersionHistory({ prompt, onRestored }: { prompt: Prompt; onRestored: (p: Prompt) => void }) {
  const { t, formatDate } = useI18n();
  const id = useId();
  const [versions, setVersions] = useState<PromptVersion[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<number | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      setVersions(await api.listPromptVersions(prompt.id));
    } catch (e) {
      setError(e);
    }
  }, [prompt.id]);

  useEffect(() => {
    void load();
  }, [load, prompt.version]);

  async function restore(v: PromptVersion) {
    setBusy(v.version);
    try {
      const p = await api.restorePromptVersion(prompt.id, v.version);
      onRestored(p);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="prompt-history" aria-labelledby={`${id}-h`} data-testid="prompt-history">
      <h3 id={`${id}-h`}>{t('prompts.historyTitle')}</h3>
      {error ? (
        <p className="notice error" role="alert">
          {errorMessage(t, error)}
        </p>
      ) : !versions ? (
        <p className="muted">{t('common.loading')}</p>
      ) : (
        <ol className="version-list">
          {versions.map((v) => {
            const current = v.version === prompt.version;
            return (
              <li key={v.version} className="version" data-testid={`version-${v.version}`}>
                <div className="version-head">
                  <strong>{t('prompts.versionN', { n: String(v.version) })}</strong>
                  {current && <span className="pill ok">{t('prompts.current')}</span>}
                  <span className="muted small">{formatDate(v.created_at)}</span>
                  {(v.name !== prompt.name || v.type !== prompt.type) && (
                    <span className="muted small">
                      {v.name} · {t(`type.${v.type}`)}
                    </span>
                  )}
                  {!current && (
                    <button
                      type="button"
                      className="btn small"
                      disabled={busy !== null}
                      aria-busy={busy === v.version}
                      aria-label={t('prompts.restoreLabel', { n: String(v.version) })}
                      onClick={() => void restore(v)}
                    >
                      {t('prompts.restore')}
                    </button>
                  )}
                </div>
                <LongText text={v.text} />
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
