import { memo, useId, useRef, useState } from 'react';
import { api } from '../api/client';
import type { ModelType, PriceChange, Recommendation, SelectionEntry } from '../api/types';
import { useI18n } from '../i18n';
import type { Row } from '../models/catalog';
import { formatCompact } from './format';
import { fieldLabel, Price, priceChangeText } from './Price';
import { TryResult, type TryState } from './TryResult';

export type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved' } | { kind: 'failed'; reason: string };

export const MAX_FALLBACKS = 3;

interface Props {
  type: ModelType;
  entry: SelectionEntry | undefined;
  /** The chosen model's row, when the catalog has it. */
  row: Row | undefined;
  recommended?: Recommendation;
  nameOf: (id: string) => string;
  /** What the catalog's changes say of this model's prices (empty when nothing changed). */
  priceChanges?: PriceChange[];
  open: boolean;
  save: SaveState;
  onOpen: (type: ModelType) => void;
  onAddFallback: (type: ModelType) => void;
  onFallbacks: (type: ModelType, fallbacks: string[]) => void;
  onUseRecommended: (type: ModelType) => void;
}

/**
 * A type's choice: the model, its prices, what changed about it, the recommended default (one click to
 * accept), a try, and the ordered fallbacks with buttons to add, remove and reorder them.
 */
export const TypeCard = memo(function TypeCard({ type, entry, row, recommended, nameOf, priceChanges, open, save, onOpen, onAddFallback, onFallbacks, onUseRecommended }: Props) {
  const { t, lang, formatDate } = useI18n();
  const uid = useId();
  const typeName = t(`typeName.${type}`);
  const [tryState, setTry] = useState<TryState>({ kind: 'idle' });
  const seq = useRef(0);
  const id = entry?.model_id ?? '';
  const fallbacks = entry?.fallbacks ?? [];
  const flag = entry?.flag ?? null;
  const recId = recommended?.model_id ?? '';
  const showRec = !!recId && (recId !== id || !entry?.saved);

  async function runTry() {
    const my = ++seq.current;
    setTry({ kind: 'busy' });
    try {
      const result = await api.tryModel(type);
      if (my === seq.current) setTry({ kind: 'done', result });
    } catch (error) {
      if (my === seq.current) setTry({ kind: 'failed', error });
    }
  }

  const move = (i: number, d: number) => {
    const next = [...fallbacks];
    const [x] = next.splice(i, 1);
    next.splice(i + d, 0, x);
    onFallbacks(type, next);
  };

  return (
    <section className="card type-card" aria-labelledby={`${uid}-h`} data-type={type} data-testid={`type-card-${type}`}>
      <div className="card-head">
        <div>
          <h2 id={`${uid}-h`}>{t(`models.type.${type}`)}</h2>
          <p className="muted small">{t(`models.typeHint.${type}`)}</p>
        </div>
        <p className={`save-state ${save.kind}`} role="status" aria-live="polite" aria-atomic="true">
          {save.kind === 'saving' && t('models.saving')}
          {save.kind === 'saved' && t('models.saved')}
          {save.kind === 'failed' && t('models.failed', { reason: save.reason })}
        </p>
      </div>

      <div className="current" data-testid="current">
        <span className="eyebrow">{t('models.current')}</span>
        {row ? (
          <>
            <div className="model-title">
              <strong className="model-name">{row.name}</strong>
              {row.id === recId && <span className="badge">{t('models.recommended')}</span>}
              {row.isFree && <span className="badge free-badge">{t('list.free')}</span>}
            </div>
            <div className="model-sub">
              <code className="model-id">{row.id}</code>
              <span className="provider">{row.providerName}</span>
            </div>
            <dl className="meta">
              {row.context > 0 && (
                <div>
                  <dt>{t('models.context')}</dt>
                  <dd>{formatCompact(lang, row.context)}</dd>
                </div>
              )}
              {row.prices.slice(0, 3).map((e) => (
                <div key={e.field}>
                  <dt>{fieldLabel(t, e.field)}</dt>
                  <dd>
                    <Price entry={e} />
                  </dd>
                </div>
              ))}
            </dl>
            {entry && !entry.saved && save.kind !== 'saved' && <p className="muted small">{t('models.defaultNote')}</p>}
            {entry?.saved && entry.saved_at && <p className="muted small">{t('common.savedAt', { date: formatDate(entry.saved_at) })}</p>}
          </>
        ) : id && entry?.availability === 'unknown' ? (
          <p className="muted">
            <code>{id}</code> — {t('models.unchecked')}
          </p>
        ) : id ? (
          <p className="warn">
            <code>{id}</code> — {t('models.unavailable')}
          </p>
        ) : (
          <p className="muted">{t('models.none')}</p>
        )}
      </div>

      {flag && (
        <div className="notice warn" role="note" data-testid="flag" data-kind={flag.kind}>
          <p>
            {flag.kind === 'removed'
              ? t('flag.removed', { type: typeName })
              : flag.kind === 'price_changed'
                ? priceChanges?.length
                  ? t('flag.priceChangedIn', { changes: priceChanges.map((c) => priceChangeText(t, lang, c, row?.model ?? entry?.model)).join('; ') })
                  : t('flag.priceChanged', { detail: flag.detail ?? '' })
                : flag.detail}
          </p>
          <button type="button" className="btn small" onClick={() => onOpen(type)}>
            {t('flag.choose', { type: typeName })}
          </button>
        </div>
      )}

      {showRec && (
        <div className="recommend" data-testid="recommend">
          <p className="small">{t('rec.line', { name: nameOf(recId) })}</p>
          {recommended?.rule && (
            <details className="rule small">
              <summary>{t('rec.why')}</summary>
              <p className="muted">{recommended.rule}</p>
            </details>
          )}
          <button type="button" className="btn small primary" onClick={() => onUseRecommended(type)} disabled={save.kind === 'saving'} aria-label={t('rec.use', { type: typeName })}>
            {t('rec.useShort')}
          </button>
        </div>
      )}

      <div className="row card-actions">
        <button type="button" className="btn small" aria-expanded={open} onClick={() => onOpen(type)} aria-label={t('models.changeType', { type: typeName })}>
          {t('models.changeShort')}
        </button>
        <button
          type="button"
          className="btn small"
          onClick={() => void runTry()}
          disabled={!id || tryState.kind === 'busy'}
          aria-busy={tryState.kind === 'busy'}
          aria-label={t('try.type', { type: typeName })}
        >
          {t('try.short')}
        </button>
      </div>
      <TryResult state={tryState} onRetry={() => void runTry()} />

      <div className="fallbacks">
        <h3 className="eyebrow">{t('fallbacks.title')}</h3>
        {fallbacks.length === 0 ? (
          <p className="muted small">{t('fallbacks.none')}</p>
        ) : (
          <ol className="fallback-list" aria-label={t('fallbacks.listLabel', { type: typeName })}>
            {fallbacks.map((f, i) => (
              <li key={f} data-model-id={f}>
                <span className="fallback-name" title={f}>
                  {nameOf(f)}
                </span>
                <span className="fallback-tools">
                  <button type="button" className="btn small ghost" disabled={i === 0} onClick={() => move(i, -1)} aria-label={t('fallbacks.up', { name: nameOf(f), type: typeName })}>
                    ↑
                  </button>
                  <button
                    type="button"
                    className="btn small ghost"
                    disabled={i === fallbacks.length - 1}
                    onClick={() => move(i, 1)}
                    aria-label={t('fallbacks.down', { name: nameOf(f), type: typeName })}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    className="btn small ghost"
                    onClick={() => onFallbacks(type, fallbacks.filter((x) => x !== f))}
                    aria-label={t('fallbacks.remove', { name: nameOf(f), type: typeName })}
                  >
                    ✕
                  </button>
                </span>
              </li>
            ))}
          </ol>
        )}
        <button
          type="button"
          className="btn small"
          disabled={!id || fallbacks.length >= MAX_FALLBACKS}
          onClick={() => onAddFallback(type)}
          aria-label={t('fallbacks.add', { type: typeName })}
        >
          {t('fallbacks.addShort')}
        </button>
      </div>
    </section>
  );
});
