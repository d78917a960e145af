import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { errorMessage } from '../api/errors';
import { MODEL_TYPES, type ModelType, type Prompt } from '../api/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { PromptCard } from '../components/prompts/PromptCard';
import { useI18n } from '../i18n';

type Editing = { mode: 'create' } | { mode: 'edit'; prompt: Prompt } | null;

export function PromptsPage() {
  const { t } = useI18n();
  const filterId = useId();
  const [filter, setFilter] = useState<ModelType | ''>('');
  const [prompts, setPrompts] = useState<Prompt[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<Editing>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Prompt | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const newBtnRef = useRef<HTMLButtonElement>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      setPrompts(await api.listPrompts(filter || undefined));
    } catch (e) {
      setError(e);
    }
  }, [filter]);

  useEffect(() => {
    void load();
  }, [load]);

  async function confirmDelete() {
    if (!deleting) return;
    setDeleteBusy(true);
    try {
      await api.deletePrompt(deleting.id);
      setFlash(t('prompts.deleted'));
      if (editing?.mode === 'edit' && editing.prompt.id === deleting.id) setEditing(null);
      await load();
    } catch (e) {
      setError(e);
    } finally {
      setDeleteBusy(false);
      setDeleting(null);
    }
  }

  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('prompts.title')}</h1>
          <p className="muted">{t('prompts.intro')}</p>
        </div>
        <div className="page-actions">
          <label htmlFor={filterId} className="label inline">
            {t('prompts.filterLabel')}
          </label>
          <select id={filterId} className="input" value={filter} onChange={(e) => setFilter(e.target.value as ModelType | '')}>
            <option value="">{t('prompts.filterAll')}</option>
            {MODEL_TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`type.${type}`)}
              </option>
            ))}
          </select>
          <button
            type="button"
            ref={newBtnRef}
            className="btn primary"
            onClick={() => {
              setFlash(null);
              setEditing({ mode: 'create' });
            }}
          >
            {t('prompts.new')}
          </button>
        </div>
      </div>

      <div aria-live="polite" className="live">
        {flash && <p className="notice success">{flash}</p>}
      </div>

      {editing && (
        <PromptForm
          key={editing.mode === 'edit' ? editing.prompt.id : 'new'}
          editing={editing}
          defaultType={filter || 'text'}
          onDone={async (msg) => {
            setEditing(null);
            setFlash(msg);
            await load();
            newBtnRef.current?.focus();
          }}
          onCancel={() => {
            setEditing(null);
            newBtnRef.current?.focus();
          }}
        />
      )}

      {error ? (
        <div className="notice error" role="alert">
          <p>{errorMessage(t, error)}</p>
          <button type="button" className="btn small" onClick={() => void load()}>
            {t('common.retry')}
          </button>
        </div>
      ) : !prompts ? (
        <p className="muted">{t('common.loading')}</p>
      ) : prompts.length === 0 ? (
        <p className="empty card">{filter ? t('prompts.emptyFiltered', { type: t(`typeName.${filter}`) }) : t('prompts.empty')}</p>
      ) : (
        <ul className="prompt-list">
          {prompts.map((p) => (
            <PromptCard
              key={p.id}
              prompt={p}
              onEdit={() => {
                setFlash(null);
                setEditing({ mode: 'edit', prompt: p });
              }}
              onDelete={() => setDeleting(p)}
              onChanged={async (msg) => {
                setFlash(msg);
                await load();
              }}
            />
          ))}
        </ul>
      )}

      {deleting && (
        <ConfirmDialog
          title={t('prompts.confirmTitle', { name: deleting.name })}
          body={t('prompts.confirmBody')}
          confirmLabel={t('common.delete')}
          busy={deleteBusy}
          onConfirm={() => void confirmDelete()}
          onCancel={() => setDeleting(null)}
        />
      )}
    </>
  );
}

interface FormProps {
  editing: NonNullable<Editing>;
  defaultType: ModelType;
  onDone: (message: string) => void;
  onCancel: () => void;
}

function PromptForm({ editing, defaultType, onDone, onCancel }: FormProps) {
  const { t } = useI18n();
  const id = useId();
  const initial = editing.mode === 'edit' ? editing.prompt : null;
  const [name, setName] = useState(initial?.name ?? '');
  const [type, setType] = useState<ModelType>(initial?.type ?? defaultType);
  const [text, setText] = useState(initial?.text ?? '');
  const [isDefault, setIsDefault] = useState(initial?.default ?? false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    nameRef.current?.focus();
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim() || !text.trim()) {
      setError(t('prompts.required'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = { name: name.trim(), type, text, default: isDefault };
      if (initial) {
        await api.updatePrompt(initial.id, body);
        onDone(t('prompts.updated'));
      } else {
        await api.createPrompt(body);
        onDone(t('prompts.created'));
      }
    } catch (err) {
      setError(errorMessage(t, err));
      setBusy(false);
    }
  }

  return (
    <form className="card prompt-form" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{initial ? t('prompts.editTitle') : t('prompts.createTitle')}</h2>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-name`} className="label">
            {t('prompts.name')}
          </label>
          <input id={`${id}-name`} ref={nameRef} className="input" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-type`} className="label">
            {t('prompts.type')}
          </label>
          <select id={`${id}-type`} className="input" value={type} onChange={(e) => setType(e.target.value as ModelType)}>
            {MODEL_TYPES.map((mt) => (
              <option key={mt} value={mt}>
                {t(`type.${mt}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="field">
        <label htmlFor={`${id}-text`} className="label">
          {t('prompts.text')}
        </label>
        <textarea id={`${id}-text`} className="input" rows={6} value={text} onChange={(e) => setText(e.target.value)} required aria-describedby={`${id}-ph`} />
        <p id={`${id}-ph`} className="muted small">
          {t('prompts.placeholderHint')}
        </p>
      </div>
      <label className="check">
        <input type="checkbox" checked={isDefault} onChange={(e) => setIsDefault(e.target.checked)} /> {t('prompts.defaultToggle', { type: t(`typeName.${type}`) })}
      </label>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      <div className="row actions-row">
        <button type="submit" className="btn primary" disabled={busy} aria-busy={busy}>
          {busy ? t('prompts.saving') : initial ? t('prompts.update') : t('prompts.create')}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
