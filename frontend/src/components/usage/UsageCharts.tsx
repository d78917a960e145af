import { useMemo } from 'react';
import { outcomeLabel } from '../../api/kinds';
import type { BalancePoint, BurnRate, Period } from '../../api/usage';
import { useI18n, type TFunc } from '../../i18n';
import { ChartCard } from './ChartCard';
import { balanceX, stackTops, type DailySeries, type ModelSpend, type TypeLatency } from './data';
import { usageFormat } from './format';
import { typeColor, typeLabel } from './labels';
import { UPlotChart, type DayChartSpec } from './UPlotChart';

/** Spend per day, stacked by type. */
export function SpendChart({ series }: { series: DailySeries }) {
  const { t, lang } = useI18n();
  const f = usageFormat(lang);
  const spec = useMemo<DayChartSpec>(() => {
    const tops = stackTops(series);
    // Each type is a bar from zero to its stacked top; the tallest is drawn first so the lower ones show.
    const order = series.types.map((_, k) => k).reverse();
    return {
      labels: series.days.map(f.dayAxis),
      values: order.map((k) => tops[k]),
      series: order.map((k) => ({ label: typeLabel(t, series.types[k]), color: typeColor(series.types[k], series.types) })),
      formatY: f.money,
    };
  }, [series, f, t]);
  const total = series.costTotal.reduce((a, b) => a + b, 0);
  return (
    <ChartCard
      title={t('usage.spendTitle')}
      testId="chart-spend"
      summary={t('usage.spendSummary', { total: f.money(total), days: f.count(series.days.length) })}
      legend={series.types.map((x) => ({ label: typeLabel(t, x), color: typeColor(x, series.types) }))}
      chart={<UPlotChart spec={spec} />}
      table={
        <table className="data-table">
          <caption className="sr-only">{t('usage.spendTitle')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('usage.colDay')}</th>
              {series.types.map((x) => (
                <th scope="col" key={x}>
                  {typeLabel(t, x)}
                </th>
              ))}
              <th scope="col">{t('usage.colTotal')}</th>
            </tr>
          </thead>
          <tbody>
            {series.days.map((d, i) => (
              <tr key={d}>
                <th scope="row">{f.day(d)}</th>
                {series.types.map((x) => (
                  <td key={x}>{f.money(series.cost[x][i])}</td>
                ))}
                <td>{f.money(series.costTotal[i])}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{t('usage.colTotal')}</th>
              {series.types.map((x) => (
                <td key={x}>{f.money(series.cost[x].reduce((a, b) => a + b, 0))}</td>
              ))}
              <td data-testid="spend-total">{f.money(total)}</td>
            </tr>
          </tfoot>
        </table>
      }
    />
  );
}

const REQ_COLOR = '#4c6ef5';
const ERR_COLOR = '#c0362c';

/** Requests per day, with the errors among them drawn over their bar. */
export function RequestsChart({ series, kinds }: { series: DailySeries; kinds: [string, number][] }) {
  const { t, lang } = useI18n();
  const f = usageFormat(lang);
  const spec = useMemo<DayChartSpec>(
    () => ({
      labels: series.days.map(f.dayAxis),
      values: [series.requests, series.errors],
      series: [
        { label: t('usage.requests'), color: REQ_COLOR },
        { label: t('usage.errors'), color: ERR_COLOR },
      ],
      formatY: f.count,
      integer: true,
    }),
    [series, f, t],
  );
  const requests = series.requests.reduce((a, b) => a + b, 0);
  const errors = series.errors.reduce((a, b) => a + b, 0);
  return (
    <ChartCard
      title={t('usage.requestsTitle')}
      testId="chart-requests"
      summary={t('usage.requestsSummary', { requests: f.count(requests), errors: f.count(errors) })}
      legend={[
        { label: t('usage.requests'), color: REQ_COLOR },
        { label: t('usage.errorsOf'), color: ERR_COLOR },
      ]}
      chart={
        <>
          <UPlotChart spec={spec} />
          {kinds.length > 0 && (
            <p className="small muted error-kinds">
              {t('usage.errorKinds')}{' '}
              {kinds.map(([k, n], i) => (
                <span key={k}>
                  {i > 0 && ', '}
                  <span title={k}>{outcomeLabel(t, k)}</span> {f.count(n)}
                </span>
              ))}
            </p>
          )}
        </>
      }
      table={
        <table className="data-table">
          <caption className="sr-only">{t('usage.requestsTitle')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('usage.colDay')}</th>
              <th scope="col">{t('usage.requests')}</th>
              <th scope="col">{t('usage.errors')}</th>
            </tr>
          </thead>
          <tbody>
            {series.days.map((d, i) => (
              <tr key={d}>
                <th scope="row">{f.day(d)}</th>
                <td>{f.count(series.requests[i])}</td>
                <td>{f.count(series.errors[i])}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{t('usage.colTotal')}</th>
              <td data-testid="requests-total">{f.count(requests)}</td>
              <td data-testid="errors-total">{f.count(errors)}</td>
            </tr>
          </tfoot>
        </table>
      }
    />
  );
}

/** The models that spent most, as labelled bars (their text is their own alternative). */
export function TopModels({ models }: { models: ModelSpend[] }) {
  const { t, lang } = useI18n();
  const f = usageFormat(lang);
  const max = Math.max(0, ...models.map((m) => m.cost));
  return (
    <ChartCard
      title={t('usage.modelsTitle')}
      testId="chart-models"
      summary={models.length === 0 ? t('usage.noData') : undefined}
      chart={
        <ol className="hbars" aria-hidden="true">
          {models.map((m) => (
            <li key={m.model}>
              <div className="hbar-label">
                <span className="hbar-name">{m.model}</span>
                <span className="hbar-value">{f.money(m.cost)}</span>
              </div>
              <div className="hbar-track">
                <span className="hbar" style={{ width: `${max > 0 ? Math.max((m.cost / max) * 100, 0.5) : 0.5}%` }} />
              </div>
            </li>
          ))}
        </ol>
      }
      table={
        <table className="data-table">
          <caption className="sr-only">{t('usage.modelsTitle')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('usage.colModel')}</th>
              <th scope="col">{t('usage.colSpend')}</th>
              <th scope="col">{t('usage.colShare')}</th>
              <th scope="col">{t('usage.requests')}</th>
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={m.model}>
                <th scope="row">{m.model}</th>
                <td>{f.money(m.cost)}</td>
                <td>{f.percent(m.share)}</td>
                <td>{f.count(m.requests)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    />
  );
}

const P50_COLOR = '#4c6ef5';
const P95_COLOR = '#1d2b7a';

/** Latency p50 and p95 of each type, as paired bars on one scale. */
export function LatencyChart({ rows }: { rows: TypeLatency[] }) {
  const { t, lang } = useI18n();
  const f = usageFormat(lang);
  const max = Math.max(0, ...rows.map((r) => r.p95), ...rows.map((r) => r.p50));
  const w = (v: number) => `${max > 0 ? Math.max((v / max) * 100, 0.5) : 0.5}%`;
  return (
    <ChartCard
      title={t('usage.latencyTitle')}
      testId="chart-latency"
      summary={rows.length === 0 ? t('usage.noData') : undefined}
      legend={[
        { label: 'p50', color: P50_COLOR },
        { label: 'p95', color: P95_COLOR },
      ]}
      chart={
        <ul className="hbars latency" aria-hidden="true">
          {rows.map((r) => (
            <li key={r.type}>
              <div className="hbar-label">
                <span className="hbar-name">{typeLabel(t, r.type)}</span>
              </div>
              <div className="hbar-row">
                <div className="hbar-track">
                  <span className="hbar" style={{ width: w(r.p50), background: P50_COLOR }} />
                </div>
                <span className="hbar-value">p50 {f.ms(r.p50)}</span>
              </div>
              <div className="hbar-row">
                <div className="hbar-track">
                  <span className="hbar" style={{ width: w(r.p95), background: P95_COLOR }} />
                </div>
                <span className="hbar-value">p95 {f.ms(r.p95)}</span>
              </div>
            </li>
          ))}
        </ul>
      }
      table={
        <table className="data-table">
          <caption className="sr-only">{t('usage.latencyTitle')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('usage.colType')}</th>
              <th scope="col">p50</th>
              <th scope="col">p95</th>
              <th scope="col">{t('usage.requests')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.type}>
                <th scope="row">{typeLabel(t, r.type)}</th>
                <td>{f.ms(r.p50)}</td>
                <td>{f.ms(r.p95)}</td>
                <td>{f.count(r.requests)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    />
  );
}

const BAL_COLOR = '#2b8a3e';

/** The account balance at each snapshot over the period. */
export function BalanceChart({
  points,
  period,
  days,
}: {
  points: BalancePoint[];
  period: Period;
  days: string[];
}) {
  const { t, lang } = useI18n();
  const f = usageFormat(lang);
  const line = useMemo(() => balanceX(points, period), [points, period]);
  const spec = useMemo<DayChartSpec>(
    () => ({
      labels: days.map(f.dayAxis),
      x: line.x,
      values: [line.y],
      series: [{ label: t('usage.balance'), color: BAL_COLOR, kind: 'line' }],
      formatY: f.money,
      yRange: 'fit',
    }),
    [days, line, f, t],
  );
  const last = line.points.at(-1);
  return (
    <ChartCard
      title={t('usage.balanceTitle')}
      testId="chart-balance"
      className="wide"
      summary={last ? t('usage.balanceSummary', { balance: f.money(last.balance), time: f.time(last.time) }) : t('usage.balanceNone')}
      chart={line.points.length > 0 ? <UPlotChart spec={spec} /> : null}
      table={
        <table className="data-table">
          <caption className="sr-only">{t('usage.balanceTitle')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('usage.colTime')}</th>
              <th scope="col">{t('usage.balance')}</th>
              <th scope="col">{t('usage.colUsed')}</th>
            </tr>
          </thead>
          <tbody>
            {line.points.map((p) => (
              <tr key={p.time}>
                <th scope="row">{f.time(p.time)}</th>
                <td>{f.money(p.balance)}</td>
                <td>{f.money(p.used)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    />
  );
}

/** "At $0.12 a day (the last 7 days), the balance lasts about 1,994 days." and its cases. */
export function burnText(t: TFunc, f: ReturnType<typeof usageFormat>, burn: BurnRate | null | undefined): string {
  if (!burn) return t('usage.burnUnknown');
  const window = f.count(burn.window_days);
  if (burn.days_left === null || !(burn.per_day > 0)) return t('usage.burnNone', { days: window });
  return t('usage.burnLeft', { rate: f.money(burn.per_day), days: window, left: f.count(Math.floor(burn.days_left)) });
}
