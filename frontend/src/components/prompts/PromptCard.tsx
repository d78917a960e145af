import { useId, useState } from 'react';
import { api } from '../../api/client';
import { errorMessage } from '../../api/errors';
import type { Prompt } from '../../api/types';
import { useI18n } from '../../i18n';
import { LongText } from './LongText';
import { PromptPreview } from './PromptPreview';
import { placeholdersOf } from './placeholders';
import { VersionHistory } from './VersionHistory';

interface Props {
  prompt: Prompt;
  onEdit: () => void;
  onDelete: () => void;
  /** Called after a change saved here (default flag, restore) with a message to show. */
  onChanged: (message: string) => void | Promise<void>;
}

/**
 * One stored prompt: its name, type, version and default flag, the
 * placeholders it uses, its text (cut short with "show more" when long),
 * a preview with sample values and the version history with restore.
 */
export function PromptCard({ prompt: p, onEdit, onDelete, onChanged }: Props) {
  const { t, formatDate } = useI18n();
  const id = useId();
  const [panel, setPanel] = useState<'preview' | 'history' | null>(null);
  const [busy, setBusy] = useState(false);
  // The flag as clicked, shown while it is being saved.
  const [pending, setPending] = useState<boolean | null>(null);
  const [error, setError] = useState<unknown>(null);
  const names = p.placeholders ?? placeholdersOf(p.text);

  async function toggleDefault(on: boolean) {
    setBusy(true);
    setPending(on);
    setError(null);
    try {
      await api.updatePrompt(p.id, { name: p.name, type: p.type, text: p.text, default: on });
      await onChanged(on ? t('prompts.madeDefault', { name: p.name, type: t(`typeName.${p.type}`) }) : t('prompts.unmadeDefault', { name: p.name }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      setPending(null);
    }
  }

  return (
    <li className="card prompt" data-testid={`prompt-${p.name}`}>
      <div className="card-head">
        <div className="prompt-title">
          <h2>{p.name}</h2>
          <span className={`pill type-${p.type}`}>{t(`type.${p.type}`)}</span>
          {p.version !== undefined && <span className="pill">{t('prompts.versionN', { n: String(p.version) })}</span>}
          {p.default && <span className="pill ok">{t('prompts.defaultBadge')}</span>}
        </div>
        <div className="row prompt-actions">
          <button type="button" className="btn small" aria-label={t('prompts.editLabel', { name: p.name })} onClick={onEdit}>
            {t('common.edit')}
          </button>
          <button type="button" className="btn small danger-outline" aria-label={t('prompts.deleteLabel', { name: p.name })} onClick={onDelete}>
            {t('common.delete')}
          </button>
        </div>
      </div>
      {names.length > 0 && (
        <div className="prompt-placeholders">
          <span className="muted small">{t('prompts.placeholders')}</span>
          <ul className="chips" aria-label={t('prompts.placeholders')}>
            {names.map((n) => (
              <li key={n} className="pill">
                {`{{${n}}}`}
              </li>
            ))}
          </ul>
        </div>
      )}
      <LongText text={p.text} />
      <p className="muted small">{t('prompts.updatedAt', { date: formatDate(p.updated_at) })}</p>
      <div className="row prompt-tools">
        <label className="check">
          <input type="checkbox" checked={pending ?? !!p.default} disabled={busy} onChange={(e) => void toggleDefault(e.target.checked)} />{' '}
          {t('prompts.defaultToggle', { type: t(`typeName.${p.type}`) })}
        </label>
        <button
          type="button"
          className="btn small"
          aria-expanded={panel === 'preview'}
          aria-controls={`${id}-panel`}
          onClick={() => setPanel(panel === 'preview' ? null : 'preview')}
        >
          {t('prompts.preview')}
        </button>
        <button
          type="button"
          className="btn small"
          aria-expanded={panel === 'history'}
          aria-controls={`${id}-panel`}
          onClick={() => setPanel(panel === 'history' ? null : 'history')}
        >
          {t('prompts.history')}
        </button>
      </div>
      {error ? (
        <p className="notice error" role="alert">
          {errorMessage(t, error)}
        </p>
      ) : null}
      <div id={`${id}-panel`}>
        {panel === 'preview' && <PromptPreview name={p.name} text={p.text} />}
        {panel === 'history' && (
          <VersionHistory
            prompt={p}
            onRestored={(r) => void onChanged(t('prompts.restored', { n: String(r.version ?? '') }))}
          />
        )}
      </div>
    </li>
  );
}
