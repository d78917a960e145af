import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { errorMessage } from '../api/errors';
import {
  exportFileName,
  saveBlob,
  usageApi,
  type BalancePoint,
  type BalanceWithBurn,
  type Period,
  type UsageApi,
  type UsageReport,
} from '../api/usage';
import { daily, errorKinds, latencyByType, periodFor, PERIODS, topModels, totalTokens, typesOf, type PeriodDays } from '../components/usage/data';
import { usageFormat } from '../components/usage/format';
import { RequestsTable } from '../components/usage/RequestsTable';
import { BalanceChart, burnText, LatencyChart, RequestsChart, SpendChart, TopModels } from '../components/usage/UsageCharts';
import '../components/usage/usage.css';
import { useI18n } from '../i18n';

interface Props {
  api?: UsageApi;
  now?: () => Date;
  /** Saves the exported CSV (a test replaces it). */
  save?: (blob: Blob, name: string) => void;
  /** The period shown first (30 days unless told). */
  initialDays?: PeriodDays;
}

interface Reports {
  period: Period;
  byDay: UsageReport;
  byModel: UsageReport;
  byType: UsageReport;
}

type State = { kind: 'loading' } | { kind: 'ready'; reports: Reports } | { kind: 'error'; error: unknown };

/** What aimodels' own traffic spent and how it went: charts over 7, 30 or 90 days, and the recent requests. */
export function UsagePage({ api = usageApi, now = () => new Date(), save = saveBlob, initialDays = 30 }: Props) {
  const { t, lang } = useI18n();
  const f = usageFormat(lang);
  const periodName = useId();
  const [days, setDays] = useState<PeriodDays>(initialDays);
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [balanceLine, setBalanceLine] = useState<BalancePoint[] | null>(null);
  // undefined while it loads, null when it could not be read.
  const [balance, setBalance] = useState<BalanceWithBurn | null | undefined>(undefined);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);
  const seq = useRef(0);
  const nowRef = useRef(now);
  nowRef.current = now;

  const load = useCallback(async () => {
    const my = ++seq.current;
    const period = periodFor(days, nowRef.current());
    setState({ kind: 'loading' });
    // The balance and its history are extras: the page stands without them (no key, OpenRouter down).
    api.balanceHistory(period).then(
      (p) => my === seq.current && setBalanceLine(p),
      () => my === seq.current && setBalanceLine([]),
    );
    api.balance().then(
      (b) => my === seq.current && setBalance(b),
      () => my === seq.current && setBalance(null),
    );
    try {
      const [byDay, byModel, byType] = await Promise.all([
        api.report(period, ['day', 'type']),
        api.report(period, ['model']),
        api.report(period, ['type']),
      ]);
      if (my === seq.current) setState({ kind: 'ready', reports: { period, byDay, byModel, byType } });
    } catch (error) {
      if (my === seq.current) setState({ kind: 'error', error });
    }
  }, [api, days]);

  useEffect(() => {
    void load();
  }, [load]);

  async function exportCsv() {
    const period = state.kind === 'ready' ? state.reports.period : periodFor(days, now());
    setExporting(true);
    setExportError(null);
    try {
      save(await api.exportCsv(period), exportFileName(period));
    } catch (e) {
      setExportError(e);
    } finally {
      setExporting(false);
    }
  }

  const view = useMemo(() => {
    if (state.kind !== 'ready') return null;
    const { period, byDay, byModel, byType } = state.reports;
    return {
      period,
      series: daily(byDay, period),
      models: topModels(byModel),
      latency: latencyByType(byType),
      kinds: errorKinds(byDay.total),
      total: byDay.total,
      modelNames: byModel.groups.map((g) => g.model).filter((m): m is string => !!m).sort(),
      types: typesOf(byType.groups),
    };
  }, [state]);

  const filterTypes = view && view.types.length > 0 ? view.types : ['text', 'image', 'audio'];
  const empty = view !== null && (view.total?.requests ?? 0) === 0;

  return (
    <div className="usage-page">
      <div className="page-head">
        <div>
          <h1>{t('usage.title')}</h1>
          <p className="muted">{t('usage.intro')}</p>
        </div>
        <div className="page-actions">
          <fieldset className="segmented">
            <legend className="sr-only">{t('usage.period')}</legend>
            {PERIODS.map((d) => (
              <label key={d} className={d === days ? 'on' : undefined}>
                <input type="radio" name={periodName} value={d} checked={d === days} onChange={() => setDays(d)} />
                {t('usage.days', { n: f.count(d) })}
              </label>
            ))}
          </fieldset>
          <button type="button" className="btn small" onClick={() => void exportCsv()} disabled={exporting} data-testid="export-csv">
            {exporting ? t('usage.exporting') : t('usage.export')}
          </button>
        </div>
      </div>
      {exportError !== null && (
        <p className="notice error" role="alert">
          {errorMessage(t, exportError)}
        </p>
      )}

      <div aria-live="polite" className="usage-status">
        {state.kind === 'loading' && (
          <div className="usage-loading" data-testid="usage-loading">
            <div className="progress" aria-hidden="true">
              <span />
            </div>
            <p className="muted">{t('usage.loading')}</p>
          </div>
        )}
        {state.kind === 'error' && (
          <div className="notice error" role="alert">
            <p>{errorMessage(t, state.error)}</p>
            <button type="button" className="btn small" onClick={() => void load()}>
              {t('common.retry')}
            </button>
          </div>
        )}
        {view && (
          <p className="muted small" data-testid="usage-period">
            {t('usage.periodRange', { from: f.dayLong(view.period.from), to: f.dayLong(view.period.to) })}
          </p>
        )}
      </div>

      {state.kind === 'loading' && (
        <div className="usage-grid skeleton" aria-hidden="true">
          {[0, 1, 2, 3].map((i) => (
            <div key={i} className="card skeleton-card" />
          ))}
        </div>
      )}

      {view && (
        <>
          <dl className="usage-figures" data-testid="usage-figures">
            <div className="figure" data-testid="figure-spend">
              <dt>{t('usage.spend')}</dt>
              <dd>{f.money(view.total?.cost ?? 0)}</dd>
            </div>
            <div className="figure" data-testid="figure-requests">
              <dt>{t('usage.requests')}</dt>
              <dd>{f.count(view.total?.requests ?? 0)}</dd>
            </div>
            <div className="figure" data-testid="figure-errors">
              <dt>{t('usage.errors')}</dt>
              <dd>
                {f.count(view.total?.errors ?? 0)}
                {(view.total?.requests ?? 0) > 0 && (
                  <span className="figure-sub"> {f.percent((view.total?.errors ?? 0) / view.total.requests)}</span>
                )}
              </dd>
            </div>
            <div className="figure" data-testid="figure-tokens">
              <dt>{t('usage.tokens')}</dt>
              <dd>{f.count(totalTokens(view.total))}</dd>
            </div>
            <div className="figure" data-testid="figure-days-left">
              <dt>{t('usage.daysLeft')}</dt>
              <dd>{daysLeftFigure(balance, f.count, t('usage.daysLeftNever'))}</dd>
            </div>
          </dl>
          {balance !== undefined && (
            <p className="muted small burn" data-testid="days-left">
              {burnText(t, f, balance?.burn_rate)}
            </p>
          )}

          {empty ? (
            <div className="card usage-empty" data-testid="usage-empty">
              <h2>{t('usage.emptyTitle')}</h2>
              <p className="muted">{t('usage.emptyBody')}</p>
            </div>
          ) : (
            <div className="usage-grid">
              <SpendChart series={view.series} />
              <RequestsChart series={view.series} kinds={view.kinds} />
              <TopModels models={view.models} />
              <LatencyChart rows={view.latency} />
            </div>
          )}
          <div className="usage-grid one">
            {balanceLine === null ? (
              <div className="card">
                <p className="muted">{t('common.loading')}</p>
              </div>
            ) : (
              <BalanceChart points={balanceLine} period={view.period} days={view.series.days} />
            )}
          </div>
        </>
      )}

      <RequestsTable
        api={api}
        types={filterTypes}
        models={view?.modelNames ?? []}
        kinds={view?.kinds.map(([k]) => k) ?? []}
        reloadKey={days}
      />
    </div>
  );
}

function daysLeftFigure(b: BalanceWithBurn | null | undefined, count: (n: number) => string, never: string): string {
  const burn = b?.burn_rate;
  if (!burn) return '—';
  if (burn.days_left === null || !(burn.per_day > 0)) return never;
  return count(Math.floor(burn.days_left));
}

export default UsagePage;
