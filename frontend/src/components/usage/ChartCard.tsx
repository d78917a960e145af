import { useId, useState, type ReactNode } from 'react';
import { useI18n } from '../../i18n';

export interface LegendItem {
  label: string;
  color: string;
}

interface Props {
  title: string;
  /** One sentence with the chart's main figures, read before the chart. */
  summary?: ReactNode;
  legend?: LegendItem[];
  /** The chart itself (hidden from assistive technology when it is a canvas). */
  chart: ReactNode;
  /** The figures of the chart as a table: always in the accessibility tree, shown on request. */
  table: ReactNode;
  testId?: string;
  className?: string;
}

/**
 * A chart with its text alternative: a heading, a summary sentence, a legend and a data table that screen
 * readers always get and sighted readers can show with a toggle.
 */
export function ChartCard({ title, summary, legend, chart, table, testId, className }: Props) {
  const { t } = useI18n();
  const headingId = useId();
  const tableId = useId();
  const [shown, setShown] = useState(false);
  return (
    <figure className={`card chart-card ${className ?? ''}`} aria-labelledby={headingId} data-testid={testId}>
      <div className="card-head">
        <h2 id={headingId}>{title}</h2>
        <button
          type="button"
          className="btn small ghost"
          aria-expanded={shown}
          aria-controls={tableId}
          onClick={() => setShown((v) => !v)}
        >
          {shown ? t('usage.hideTable') : t('usage.showTable')}
        </button>
      </div>
      {summary && <p className="chart-summary">{summary}</p>}
      {legend && legend.length > 0 && (
        <ul className="chart-legend">
          {legend.map((x) => (
            <li key={x.label}>
              <span className="swatch" style={{ background: x.color }} aria-hidden="true" />
              {x.label}
            </li>
          ))}
        </ul>
      )}
      {chart}
      {/* Shown, the table may scroll inside its box (a phone, 90 days): then the box takes the keyboard focus. */}
      <div
        id={tableId}
        className={shown ? 'chart-table' : 'sr-only'}
        data-testid={testId ? `${testId}-table` : undefined}
        role={shown ? 'region' : undefined}
        aria-label={shown ? title : undefined}
        tabIndex={shown ? 0 : undefined}
      >
        {table}
      </div>
    </figure>
  );
}
