import { useId } from 'react';
import type { ModelType } from '../api/types';
import { useI18n } from '../i18n';
import type { Row } from '../models/catalog';
import { formatCompact, formatInt } from './format';
import { useCreated } from './ModelDetails';
import { fieldLabel, Price } from './Price';

interface Props {
  type: ModelType;
  rows: Row[];
  selectedId: string;
  onRemove: (id: string) => void;
  onUse: (id: string) => void;
  onClose: () => void;
}

/** Two to four models side by side: provider, context, output, every price of the type, modalities, date. */
export function Compare({ type, rows, selectedId, onRemove, onUse, onClose }: Props) {
  const { t, lang } = useI18n();
  const uid = useId();
  const created = useCreated();
  const fields: string[] = [];
  for (const r of rows) for (const e of r.model.all_prices?.length ? r.model.all_prices : r.prices) if (!fields.includes(e.field)) fields.push(e.field);
  const price = (r: Row, f: string) => (r.model.all_prices?.length ? r.model.all_prices : r.prices).find((e) => e.field === f);
  const line = (label: string, cell: (r: Row) => React.ReactNode) => (
    <tr>
      <th scope="row">{label}</th>
      {rows.map((r) => (
        <td key={r.id}>{cell(r)}</td>
      ))}
    </tr>
  );
  return (
    <section className="card compare" aria-labelledby={`${uid}-h`} data-testid="compare">
      <div className="table-head">
        <h2 id={`${uid}-h`}>{t('compare.title', { n: rows.length })}</h2>
        <button type="button" className="btn small" onClick={onClose}>
          {t('compare.close')}
        </button>
      </div>
      <div className="compare-scroll">
        <table className="compare-table">
          <thead>
            <tr>
              <td />
              {rows.map((r) => (
                <th key={r.id} scope="col">
                  <span className="model-name">{r.name}</span>
                  <code className="model-id">{r.id}</code>
                  <span className="row">
                    {r.id !== selectedId && (
                      <button type="button" className="btn small primary" onClick={() => onUse(r.id)} aria-label={t('compare.useOne', { name: r.name, type: t(`typeName.${type}`) })}>
                        {t('compare.use')}
                      </button>
                    )}
                    <button type="button" className="btn small" onClick={() => onRemove(r.id)} aria-label={t('compare.removeOne', { name: r.name })}>
                      {t('compare.remove')}
                    </button>
                  </span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {line(t('list.provider'), (r) => r.providerName)}
            {line(t('models.context'), (r) => (r.context ? formatCompact(lang, r.context) : '—'))}
            {line(t('details.maxOutput'), (r) => (r.model.max_output_tokens ? formatInt(lang, r.model.max_output_tokens) : '—'))}
            {fields.map((f) => (
              <tr key={f}>
                <th scope="row">{fieldLabel(t, f)}</th>
                {rows.map((r) => (
                  <td key={r.id}>
                    <Price entry={price(r, f)} />
                  </td>
                ))}
              </tr>
            ))}
            {line(t('details.inputs'), (r) => (r.model.input_modalities ?? []).join(', ') || '—')}
            {line(t('details.outputs'), (r) => (r.model.output_modalities ?? []).join(', ') || '—')}
            {line(t('details.created'), (r) => created(r.created))}
            {line(t('details.parameters'), (r) => (r.model.supported_parameters?.length ? formatInt(lang, r.model.supported_parameters.length) : '—'))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
