import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { errorMessage } from '../../api/errors';
import { outcomeLabel } from '../../api/kinds';
import type { RequestFilters, UsageApi, UsageRequest } from '../../api/usage';
import { useI18n } from '../../i18n';
import { usageFormat } from './format';
import { typeLabel } from './labels';

export const PAGE_SIZE = 25;

interface Props {
  api: Pick<UsageApi, 'requests'>;
  /** The choices of the filters (from the period's reports). */
  types: string[];
  models: string[];
  kinds: string[];
  /** Changes when the page reloads its reports, so the table reloads too. */
  reloadKey?: unknown;
}

type State =
  | { kind: 'loading' }
  | { kind: 'ready'; rows: UsageRequest[]; next: string | null; more: boolean }
  | { kind: 'error'; error: unknown };

/** The most recent ledger rows, newest first, filtered by type, model and outcome, a page at a time. */
export function RequestsTable({ api, types, models, kinds, reloadKey }: Props) {
  const { t, lang } = useI18n();
  const f = usageFormat(lang);
  const headingId = useId();
  const ids = { type: useId(), model: useId(), outcome: useId() };
  const [filters, setFilters] = useState<RequestFilters>({});
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [moreError, setMoreError] = useState<unknown>(null);
  const seq = useRef(0);

  const load = useCallback(async () => {
    const my = ++seq.current;
    setState({ kind: 'loading' });
    setMoreError(null);
    try {
      const page = await api.requests({ ...filters, limit: PAGE_SIZE });
      if (my === seq.current) setState({ kind: 'ready', rows: page.data, next: page.next_cursor ?? null, more: false });
    } catch (error) {
      if (my === seq.current) setState({ kind: 'error', error });
    }
  }, [api, filters]);

  useEffect(() => {
    void load();
  }, [load, reloadKey]);

  async function loadMore() {
    if (state.kind !== 'ready' || !state.next) return;
    const my = seq.current;
    const prev = state;
    setState({ ...prev, more: true });
    setMoreError(null);
    try {
      const page = await api.requests({ ...filters, limit: PAGE_SIZE, cursor: prev.next ?? undefined });
      if (my === seq.current) setState({ kind: 'ready', rows: [...prev.rows, ...page.data], next: page.next_cursor ?? null, more: false });
    } catch (error) {
      if (my === seq.current) {
        setState({ ...prev, more: false });
        setMoreError(error);
      }
    }
  }

  const set = (k: keyof RequestFilters) => (e: { target: { value: string } }) =>
    setFilters((old) => ({ ...old, [k]: e.target.value || undefined }));
  const filtered = !!(filters.type || filters.model || filters.outcome);

  return (
    <section className="card requests-card" aria-labelledby={headingId} aria-busy={state.kind === 'loading'}>
      <div className="card-head">
        <h2 id={headingId}>{t('usage.recentTitle')}</h2>
      </div>
      <div className="filters row">
        <div>
          <label htmlFor={ids.type} className="label">
            {t('usage.colType')}
          </label>
          <select id={ids.type} className="input small" value={filters.type ?? ''} onChange={set('type')}>
            <option value="">{t('usage.filterAll')}</option>
            {types.map((x) => (
              <option key={x} value={x}>
                {typeLabel(t, x)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={ids.model} className="label">
            {t('usage.colModel')}
          </label>
          <select id={ids.model} className="input small model-filter" value={filters.model ?? ''} onChange={set('model')}>
            <option value="">{t('usage.filterAll')}</option>
            {models.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={ids.outcome} className="label">
            {t('usage.colOutcome')}
          </label>
          <select id={ids.outcome} className="input small" value={filters.outcome ?? ''} onChange={set('outcome')}>
            <option value="">{t('usage.filterAll')}</option>
            <option value="ok">{t('usage.outcomeOk')}</option>
            {kinds.map((x) => (
              <option key={x} value={x}>
                {outcomeLabel(t, x)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div aria-live="polite">
        {state.kind === 'loading' && <p className="muted">{t('common.loading')}</p>}
        {state.kind === 'error' && (
          <div className="notice error" role="alert">
            <p>{errorMessage(t, state.error)}</p>
            <button type="button" className="btn small" onClick={() => void load()}>
              {t('common.retry')}
            </button>
          </div>
        )}
        {state.kind === 'ready' && state.rows.length === 0 && (
          <p className="empty">{filtered ? t('usage.recentNoneFiltered') : t('usage.recentNone')}</p>
        )}
      </div>
      {state.kind === 'ready' && state.rows.length > 0 && (
        <>
          <table className="data-table requests-table" data-testid="requests-table">
            <caption className="sr-only">{t('usage.recentTitle')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('usage.colTime')}</th>
                <th scope="col">{t('usage.colType')}</th>
                <th scope="col">{t('usage.colModel')}</th>
                <th scope="col" className="num">{t('usage.colTokens')}</th>
                <th scope="col" className="num">{t('usage.colCost')}</th>
                <th scope="col" className="num">{t('usage.colLatency')}</th>
                <th scope="col">{t('usage.colOutcome')}</th>
              </tr>
            </thead>
            <tbody>
              {state.rows.map((r) => (
                <tr key={String(r.id)} data-outcome={r.outcome}>
                  <Cell label={t('usage.colTime')}>
                    <time dateTime={r.time}>{f.time(r.time)}</time>
                  </Cell>
                  <Cell label={t('usage.colType')}>
                    {typeLabel(t, r.type)}
                    {(r.endpoint === 'stream' || r.endpoint === 'try') && (
                      <span className="muted small endpoint">{t(r.endpoint === 'stream' ? 'usage.endpointStream' : 'usage.endpointTry')}</span>
                    )}
                  </Cell>
                  <Cell label={t('usage.colModel')} className="cell-model">
                    <span>{r.model || r.requested_model || '—'}</span>
                    {r.requested_model && r.model && r.requested_model !== r.model && (
                      <span className="muted small">{t('usage.requestedAs', { model: r.requested_model })}</span>
                    )}
                    {r.prompt && (
                      <span className="muted small">{t('usage.withPrompt', { name: r.prompt, version: r.prompt_version ?? '—' })}</span>
                    )}
                  </Cell>
                  <Cell label={t('usage.colTokens')} className="num">
                    {t('usage.tokensInOut', { prompt: f.count(r.tokens?.prompt ?? 0), completion: f.count(r.tokens?.completion ?? 0) })}
                  </Cell>
                  <Cell label={t('usage.colCost')} className="num">{f.money(r.cost)}</Cell>
                  <Cell label={t('usage.colLatency')} className="num">
                    {f.ms(r.latency_ms)}
                    {typeof r.ttft_ms === 'number' && <span className="muted small"> {t('usage.ttft', { ms: f.ms(r.ttft_ms) })}</span>}
                  </Cell>
                  <Cell label={t('usage.colOutcome')}>
                    <span className={`pill ${r.outcome === 'ok' ? 'ok' : 'err'}`}>{outcomeLabel(t, r.outcome)}</span>
                  </Cell>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="list-foot">
            <span className="muted small">{t('usage.recentShown', { count: f.count(state.rows.length) })}</span>
            {state.next && (
              <button type="button" className="btn small" onClick={() => void loadMore()} disabled={state.more}>
                {state.more ? t('common.loading') : t('usage.older')}
              </button>
            )}
          </div>
          {moreError !== null && (
            <p className="notice error" role="alert">
              {errorMessage(t, moreError)}
            </p>
          )}
        </>
      )}
    </section>
  );
}

/** A cell whose label shows beside its value when the table is laid out as cards on a phone. */
function Cell({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  return (
    <td data-label={label} className={className}>
      <div>{children}</div>
    </td>
  );
}
