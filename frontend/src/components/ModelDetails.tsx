import { useEffect, useId, useRef, useState } from 'react';
import { api } from '../api/client';
import type { ModelType } from '../api/types';
import { useI18n } from '../i18n';
import type { Row } from '../models/catalog';
import { formatCompact, formatInt } from './format';
import { fieldLabel, Price } from './Price';
import { TryResult, type TryState } from './TryResult';

interface Props {
  type: ModelType;
  row: Row;
  selectedId: string;
  fallbacks: string[];
  inCompare: boolean;
  compareFull: boolean;
  onUse: (id: string) => void;
  onAddFallback: (id: string) => void;
  onToggleCompare: (id: string) => void;
  onClose: () => void;
}

const createdFormats = new Map<string, Intl.DateTimeFormat>();

/** Unix seconds as a date in the language. */
export function useCreated() {
  const { lang } = useI18n();
  let f = createdFormats.get(lang);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { dateStyle: 'medium' });
    createdFormats.set(lang, f);
  }
  const dtf = f;
  return (s: number) => (s ? dtf.format(new Date(s * 1000)) : '—');
}

/** Everything about one model, with buttons to choose it, add it as a fallback, compare it and try it. */
export function ModelDetails({ type, row, selectedId, fallbacks, inCompare, compareFull, onUse, onAddFallback, onToggleCompare, onClose }: Props) {
  const { t, lang } = useI18n();
  const uid = useId();
  const created = useCreated();
  const m = row.model;
  const [tryState, setTry] = useState<TryState>({ kind: 'idle' });
  const closeRef = useRef<HTMLButtonElement>(null);
  const seq = useRef(0);

  useEffect(() => {
    setTry({ kind: 'idle' });
    closeRef.current?.focus();
  }, [row.id]);

  async function runTry() {
    const my = ++seq.current;
    setTry({ kind: 'busy' });
    try {
      const result = await api.tryModel(type, row.id);
      if (my === seq.current) setTry({ kind: 'done', result });
    } catch (error) {
      if (my === seq.current) setTry({ kind: 'failed', error });
    }
  }

  const all = m.all_prices?.length ? m.all_prices : row.prices;
  const isSelected = row.id === selectedId;
  const isFallback = fallbacks.includes(row.id);
  return (
    <aside className="drawer" role="dialog" aria-modal="false" aria-labelledby={`${uid}-h`} data-testid="model-details" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="drawer-head">
        <div>
          <h2 id={`${uid}-h`}>{row.name}</h2>
          <code className="model-id">{row.id}</code>
        </div>
        <button ref={closeRef} type="button" className="btn small" onClick={onClose}>
          {t('details.close')}
        </button>
      </div>
      <div className="drawer-body">
        <div className="row">
          <button type="button" className="btn primary small" disabled={isSelected} onClick={() => onUse(row.id)}>
            {isSelected ? t('details.isSelected', { type: t(`typeName.${type}`) }) : t('details.use', { type: t(`typeName.${type}`) })}
          </button>
          <button type="button" className="btn small" onClick={() => void runTry()} disabled={tryState.kind === 'busy'}>
            {t('details.try', { name: row.name })}
          </button>
          {!isSelected && !isFallback && fallbacks.length < 3 && (
            <button type="button" className="btn small" onClick={() => onAddFallback(row.id)}>
              {t('details.addFallback', { type: t(`typeName.${type}`) })}
            </button>
          )}
          <button type="button" className="btn small" onClick={() => onToggleCompare(row.id)} disabled={!inCompare && compareFull}>
            {inCompare ? t('details.uncompare') : t('details.compare')}
          </button>
        </div>
        <TryResult state={tryState} onRetry={() => void runTry()} />
        {m.description && <p className="description">{m.description}</p>}
        <dl className="facts">
          <div>
            <dt>{t('list.provider')}</dt>
            <dd>{row.providerName}</dd>
          </div>
          <div>
            <dt>{t('models.context')}</dt>
            <dd>{row.context ? `${formatCompact(lang, row.context)} (${formatInt(lang, row.context)})` : '—'}</dd>
          </div>
          <div>
            <dt>{t('details.maxOutput')}</dt>
            <dd>{m.max_output_tokens ? formatInt(lang, m.max_output_tokens) : '—'}</dd>
          </div>
          <div>
            <dt>{t('details.created')}</dt>
            <dd>{created(row.created)}</dd>
          </div>
          <div>
            <dt>{t('details.inputs')}</dt>
            <dd>{(m.input_modalities ?? []).join(', ') || '—'}</dd>
          </div>
          <div>
            <dt>{t('details.outputs')}</dt>
            <dd>{(m.output_modalities ?? []).join(', ') || '—'}</dd>
          </div>
        </dl>
        <h3 className="eyebrow">{t('details.prices')}</h3>
        <table className="price-table">
          <tbody>
            {all.map((e) => (
              <tr key={e.field}>
                <th scope="row">
                  {fieldLabel(t, e.field)} <code className="muted">{e.field}</code>
                </th>
                <td>
                  <Price entry={e} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {m.supported_parameters && m.supported_parameters.length > 0 && (
          <>
            <h3 className="eyebrow">{t('details.parameters')}</h3>
            <ul className="chips">
              {m.supported_parameters.map((p) => (
                <li key={p}>
                  <code>{p}</code>
                </li>
              ))}
            </ul>
          </>
        )}
        {m.url && (
          <p>
            <a href={m.url} target="_blank" rel="noreferrer">
              {t('details.openrouterPage')}
            </a>
          </p>
        )}
      </div>
    </aside>
  );
}
