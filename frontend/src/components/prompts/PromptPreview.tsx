import { useId, useState } from 'react';
import { useI18n } from '../../i18n';
import { placeholdersOf, previewParts } from './placeholders';

/**
 * The prompt's placeholders with an input each for a sample value, and the
 * text as a request with those values would send it (values highlighted,
 * placeholders still without one marked).
 */
export function PromptPreview({ name, text }: { name: string; text: string }) {
  const { t } = useI18n();
  const id = useId();
  const names = placeholdersOf(text);
  const [values, setValues] = useState<Record<string, string>>({});
  const parts = previewParts(text, values);
  const missing = names.filter((n) => !values[n]);
  return (
    <section className="prompt-preview" aria-labelledby={`${id}-h`} data-testid="prompt-preview">
      <h3 id={`${id}-h`}>{t('prompts.previewTitle')}</h3>
      {names.length === 0 ? (
        <p className="muted small">{t('prompts.noPlaceholders')}</p>
      ) : (
        <div className="form-grid">
          {names.map((n) => (
            <div className="field" key={n}>
              <label htmlFor={`${id}-${n}`} className="label">
                {t('prompts.sampleFor', { name: n })}
              </label>
              <input id={`${id}-${n}`} className="input" value={values[n] ?? ''} onChange={(e) => setValues({ ...values, [n]: e.target.value })} />
            </div>
          ))}
        </div>
      )}
      <div className="preview-out" aria-live="polite" data-testid="preview-out">
        <p className="prompt-text">
          {parts.map((p, i) =>
            p.kind === 'text' ? (
              <span key={i}>{p.text}</span>
            ) : (
              <mark key={i} className={p.missing ? 'ph missing' : 'ph'} title={p.name}>
                {p.text}
              </mark>
            ),
          )}
        </p>
      </div>
      {missing.length > 0 && (
        <p className="muted small" data-testid="preview-missing">
          {t('prompts.previewMissing', { names: missing.join(', '), name })}
        </p>
      )}
      <p className="muted small">{t('prompts.requestHint')}</p>
      <p className="prompt-text code-sample" data-testid="preview-request">
        {`"prompt": ${JSON.stringify(name)}, "variables": ${JSON.stringify(Object.fromEntries(names.map((n) => [n, values[n] ?? ''])))}`}
      </p>
    </section>
  );
}
