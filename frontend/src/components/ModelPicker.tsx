import { memo, useCallback, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { errorMessage } from '../api/errors';
import type { Model, ModelType, SelectionEntry } from '../api/types';
import { useI18n } from '../i18n';
import { formatContext, formatPrice } from './format';

export const PAGE_SIZE = 50;

type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved' } | { kind: 'failed'; reason: string };

interface Props {
  type: ModelType;
  models: Model[];
  entry: SelectionEntry | undefined;
  /** Id of the server's recommended default for this type, if known. */
  recommendedId?: string;
  /** Persists the choice; rejects with an ApiError on failure. */
  onSave: (type: ModelType, modelId: string) => Promise<unknown>;
}

interface Indexed {
  model: Model;
  haystack: string;
}

function matches(item: Indexed, terms: string[]): boolean {
  for (const term of terms) if (!item.haystack.includes(term)) return false;
  return true;
}

/**
 * One picker per model type: the current choice on top, a search box and a
 * listbox (combobox pattern with aria-activedescendant) that renders matches
 * in pages of PAGE_SIZE so catalogs of hundreds of models stay smooth.
 * Choosing a model saves it at once; a failed save rolls the choice back.
 */
export function ModelPicker({ type, models, entry, recommendedId, onSave }: Props) {
  const { t, formatDate } = useI18n();
  const uid = useId();
  const listId = `${uid}-list`;
  const searchId = `${uid}-search`;
  const headingId = `${uid}-heading`;
  const typeName = t(`typeName.${type}`);

  const [selectedId, setSelectedId] = useState<string>(entry?.model_id ?? '');
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [limit, setLimit] = useState(PAGE_SIZE);
  const [active, setActive] = useState(0);
  const seq = useRef(0);
  const searchRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const toggleRef = useRef<HTMLButtonElement>(null);

  // Closing the list returns focus to its toggle, so keyboard users stay in place.
  const close = useCallback(() => {
    setOpen(false);
    setQuery('');
    toggleRef.current?.focus();
  }, []);

  // Follow the server's selection when it changes (initial load, other saves).
  useEffect(() => {
    if (save.kind !== 'saving') setSelectedId(entry?.model_id ?? '');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [entry?.model_id]);

  const indexed = useMemo<Indexed[]>(
    () => models.map((m) => ({ model: m, haystack: `${m.name ?? ''}\n${m.id}\n${m.provider ?? ''}`.toLowerCase() })),
    [models],
  );

  const filtered = useMemo<Model[]>(() => {
    const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    const out: Model[] = [];
    let current: Model | null = null;
    for (const item of indexed) {
      if (terms.length && !matches(item, terms)) continue;
      if (item.model.id === selectedId) current = item.model;
      else out.push(item.model);
    }
    // The current choice is listed first.
    return current ? [current, ...out] : out;
  }, [indexed, query, selectedId]);

  const shown = filtered.slice(0, limit);

  useEffect(() => {
    setLimit(PAGE_SIZE);
    setActive(0);
  }, [query]);

  const currentModel = useMemo<Model | null>(() => {
    if (!selectedId) return null;
    return models.find((m) => m.id === selectedId) ?? (entry?.model?.id === selectedId ? entry.model : null);
  }, [models, selectedId, entry]);

  const choose = useCallback(
    async (id: string) => {
      // Re-picking the saved choice changes nothing; picking the unsaved default saves it.
      if (id === selectedId && entry?.saved && save.kind !== 'failed') {
        close();
        return;
      }
      const previous = selectedId;
      const mySeq = ++seq.current;
      setSelectedId(id);
      setSave({ kind: 'saving' });
      close();
      try {
        await onSave(type, id);
        if (mySeq === seq.current) setSave({ kind: 'saved' });
      } catch (err) {
        if (mySeq === seq.current) {
          setSelectedId(previous);
          setSave({ kind: 'failed', reason: errorMessage(t, err) });
        }
      }
    },
    [selectedId, entry?.saved, save.kind, onSave, type, t, close],
  );

  useEffect(() => {
    if (open) searchRef.current?.focus();
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const el = listRef.current?.querySelector<HTMLElement>(`[data-index="${active}"]`);
    el?.scrollIntoView?.({ block: 'nearest' });
  }, [active, open]);

  function move(to: number) {
    if (filtered.length === 0) return;
    const next = Math.max(0, Math.min(filtered.length - 1, to));
    if (next >= limit) setLimit(Math.ceil((next + 1) / PAGE_SIZE) * PAGE_SIZE);
    setActive(next);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        move(active + 1);
        break;
      case 'ArrowUp':
        e.preventDefault();
        move(active - 1);
        break;
      case 'PageDown':
        e.preventDefault();
        move(active + 10);
        break;
      case 'PageUp':
        e.preventDefault();
        move(active - 10);
        break;
      case 'Home':
        if (e.ctrlKey) {
          e.preventDefault();
          move(0);
        }
        break;
      case 'End':
        if (e.ctrlKey) {
          e.preventDefault();
          move(filtered.length - 1);
        }
        break;
      case 'Enter': {
        e.preventDefault();
        const m = filtered[active];
        if (m) void choose(m.id);
        break;
      }
      case 'Escape':
        e.preventDefault();
        if (query) setQuery('');
        else close();
        break;
    }
  }

  const empty = models.length === 0;
  const isRecommended = (id: string) => !!recommendedId && id === recommendedId;
  const activeId = shown[active] ? `${uid}-opt-${active}` : undefined;

  return (
    <section className="card picker" aria-labelledby={headingId} data-type={type}>
      <div className="card-head">
        <div>
          <h2 id={headingId}>{t(`models.type.${type}`)}</h2>
          <p className="muted">{t(`models.typeHint.${type}`)}</p>
        </div>
        <p className={`save-state ${save.kind}`} role="status" aria-live="polite" aria-atomic="true">
          {save.kind === 'saving' && t('models.saving')}
          {save.kind === 'saved' && t('models.saved')}
          {save.kind === 'failed' && t('models.failed', { reason: save.reason })}
        </p>
      </div>

      <div className="current" aria-label={t('models.current')}>
        <span className="eyebrow">{t('models.current')}</span>
        {currentModel ? (
          <>
            <ModelSummary model={currentModel} recommended={isRecommended(currentModel.id)} />
            {entry && !entry.saved && entry.model_id === currentModel.id && save.kind !== 'saved' && (
              <p className="muted small">{t('models.defaultNote')}</p>
            )}
            {entry?.saved && entry.saved_at && entry.model_id === currentModel.id && (
              <p className="muted small">{t('common.savedAt', { date: formatDate(entry.saved_at) })}</p>
            )}
          </>
        ) : selectedId && entry?.model_id === selectedId && entry.availability === 'unknown' ? (
          <p className="muted">
            <code>{selectedId}</code> — {t('models.unchecked')}
          </p>
        ) : selectedId ? (
          <p className="warn">
            <code>{selectedId}</code> — {t('models.unavailable')}
          </p>
        ) : (
          <p className="muted">{t('models.none')}</p>
        )}
      </div>

      {empty ? (
        <p className="empty">{t('models.emptyGroup', { type: typeName })}</p>
      ) : (
        <>
          <button
            type="button"
            className="btn"
            ref={toggleRef}
            aria-expanded={open}
            aria-controls={open ? `${uid}-body` : undefined}
            onClick={() => (open ? close() : setOpen(true))}
          >
            {open ? t('models.hide') : t('models.change')}
          </button>
          {open && (
            <div className="picker-body" id={`${uid}-body`}>
              <label htmlFor={searchId} className="label">
                {t('models.searchLabel', { type: typeName })}
              </label>
              <input
                id={searchId}
                ref={searchRef}
                className="input"
                type="search"
                role="combobox"
                aria-expanded="true"
                aria-controls={listId}
                aria-autocomplete="list"
                aria-activedescendant={activeId}
                autoComplete="off"
                spellCheck={false}
                placeholder={t('models.searchPlaceholder')}
                value={query}
                onChange={(e) => setQuery(e.target.value)}
                onKeyDown={onKeyDown}
              />
              {filtered.length === 0 ? (
                <p className="empty" role="status">
                  {t('models.noMatches', { query })}
                </p>
              ) : (
                <ul className="options" role="listbox" id={listId} ref={listRef} aria-label={t('models.listLabel', { type: typeName })}>
                  {shown.map((m, i) => (
                    <ModelOption
                      key={m.id}
                      id={`${uid}-opt-${i}`}
                      index={i}
                      model={m}
                      selected={m.id === selectedId}
                      active={i === active}
                      recommended={isRecommended(m.id)}
                      onChoose={choose}
                      onHover={setActive}
                    />
                  ))}
                </ul>
              )}
              {filtered.length > 0 && (
                <div className="list-foot">
                  <span className="muted small">{t('models.showing', { shown: shown.length, total: filtered.length })}</span>
                  {filtered.length > shown.length && (
                    <button type="button" className="btn link" onClick={() => setLimit((l) => l + PAGE_SIZE)}>
                      {t('models.showMore', { count: Math.min(PAGE_SIZE, filtered.length - shown.length) })}
                    </button>
                  )}
                </div>
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}

function Prices({ model }: { model: Model }) {
  const { t } = useI18n();
  const p = model.pricing ?? {};
  const ctx = formatContext(t, model.context_length);
  return (
    <dl className="meta">
      {ctx && (
        <div>
          <dt>{t('models.context')}</dt>
          <dd>{ctx}</dd>
        </div>
      )}
      <div>
        <dt>{t('models.prompt')}</dt>
        <dd>{formatPrice(t, p.prompt_cost)}</dd>
      </div>
      {p.completion_cost !== undefined && p.completion_cost !== '' && (
        <div>
          <dt>{t('models.completion')}</dt>
          <dd>{formatPrice(t, p.completion_cost)}</dd>
        </div>
      )}
      {p.image_cost && (
        <div>
          <dt>{t('models.imagePrice')}</dt>
          <dd>{formatPrice(t, p.image_cost)}</dd>
        </div>
      )}
      {p.request_cost && (
        <div>
          <dt>{t('models.requestPrice')}</dt>
          <dd>{formatPrice(t, p.request_cost)}</dd>
        </div>
      )}
    </dl>
  );
}

/** Name, badges, id, provider and prices of a model: shared by the current choice and the list rows. */
function ModelDetails({ model, strong, recommended, selected }: { model: Model; strong?: boolean; recommended?: boolean; selected?: boolean }) {
  const { t } = useI18n();
  const name = model.name || model.id;
  return (
    <>
      <div className="model-title">
        {strong ? <strong className="model-name">{name}</strong> : <span className="model-name">{name}</span>}
        {recommended && <span className="badge">{t('models.recommended')}</span>}
        {selected && <span className="badge selected-badge">✓ {t('models.selected')}</span>}
      </div>
      <div className="model-sub">
        <code className="model-id">{model.id}</code>
        {model.provider && <span className="provider">{model.provider}</span>}
      </div>
      <Prices model={model} />
    </>
  );
}

export function ModelSummary({ model, recommended }: { model: Model; recommended?: boolean }) {
  return (
    <div className="model-summary">
      <ModelDetails model={model} strong recommended={recommended} />
    </div>
  );
}

interface OptionProps {
  id: string;
  index: number;
  model: Model;
  selected: boolean;
  active: boolean;
  recommended: boolean;
  onChoose: (id: string) => void;
  onHover: (i: number) => void;
}

const ModelOption = memo(function ModelOption({ id, index, model, selected, active, recommended, onChoose, onHover }: OptionProps) {
  return (
    <li
      id={id}
      role="option"
      aria-selected={selected}
      data-index={index}
      data-model-id={model.id}
      className={`option${active ? ' active' : ''}${selected ? ' selected' : ''}`}
      onMouseDown={(e) => e.preventDefault()}
      onMouseMove={() => !active && onHover(index)}
      onClick={() => onChoose(model.id)}
    >
      <ModelDetails model={model} recommended={recommended} selected={selected} />
    </li>
  );
});
