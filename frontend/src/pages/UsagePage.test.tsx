import { act, configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import type { Period, UsageApi, UsageGroupKey, UsageReport } from '../api/usage';
import {
  balancePoints,
  balanceWithBurn,
  dayTypeReport,
  emptyReport,
  modelReport,
  NOW,
  PERIOD7,
  requestRow,
  typeReport,
} from '../components/usage/fixtures';
import { renderWithI18n } from '../test/render';
import { warmUpDom } from '../test/warmup';
import { UsagePage } from './UsagePage';

// uPlot draws on a canvas jsdom does not have; the fake keeps what each chart was given.
const plots = vi.hoisted(() => [] as { data: unknown[][]; opts: { series: { label?: string }[] } }[]);
vi.mock('uplot', () => {
  class FakePlot {
    static paths = { bars: () => () => null };
    constructor(
      public opts: { series: { label?: string }[] },
      public data: unknown[][],
      el: HTMLElement,
    ) {
      plots.push(this);
      el.appendChild(document.createElement('canvas'));
    }
    setSize() {}
    destroy() {}
  }
  return { default: FakePlot };
});

function report(p: Period, by: UsageGroupKey[]): UsageReport {
  const key = by.join(',');
  if (key === 'day,type') return dayTypeReport(p);
  if (key === 'model') return modelReport(p);
  return typeReport(p);
}

function fakeApi(over: Partial<UsageApi> = {}): UsageApi & { [K in keyof UsageApi]: ReturnType<typeof vi.fn> } {
  return {
    report: vi.fn(async (p: Period, by: UsageGroupKey[]) => report(p, by)),
    requests: vi.fn(async () => ({ data: [requestRow(1), requestRow(2, { outcome: 'rate_limited', cost: 0 })], next_cursor: null })),
    balanceHistory: vi.fn(async () => balancePoints),
    balance: vi.fn(async () => balanceWithBurn),
    exportCsv: vi.fn(async () => new Blob(['a,b\n'], { type: 'text/csv' })),
    ...over,
  } as never;
}

const now = () => NOW;

/** The text of a chart's data table, rows joined by newlines and cells by " | ". */
function tableText(testId: string): string {
  const table = screen.getByTestId(testId).querySelector('table') as HTMLTableElement;
  return [...table.rows]
    .map((r) => [...r.cells].map((c) => c.textContent?.replace(/[\u00a0\u202f]/g, ' ').trim()).join(' | '))
    .join('\n');
}

// Each test renders the whole page with its tables; a loaded machine needs more than the default 5 s.
describe('UsagePage', { timeout: 30_000 }, () => {
  beforeAll(() => {
    warmUpDom();
    // findBy/waitFor wait 1 s by default: too little for a whole page on a loaded two-core machine.
    configure({ asyncUtilTimeout: 10_000 });
  });
  beforeEach(() => {
    plots.length = 0;
  });

  it('shows a loading state until the reports arrive', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const api = fakeApi({
      report: vi.fn(async (p: Period, by: UsageGroupKey[]) => {
        await gate;
        return report(p, by);
      }),
    });
    renderWithI18n(<UsagePage api={api} now={now} initialDays={7} />);
    expect(screen.getByTestId('usage-loading')).toHaveTextContent('Loading usage…');
    expect(screen.queryByTestId('chart-spend')).toBeNull();
    await act(async () => release());
    await screen.findByTestId('chart-spend');
    expect(screen.queryByTestId('usage-loading')).toBeNull();
  });

  it('asks for the last 30 days by default and 7 days when chosen', async () => {
    const api = fakeApi();
    renderWithI18n(<UsagePage api={api} now={now} />);
    await screen.findByTestId('chart-spend');
    expect(api.report).toHaveBeenCalledWith({ from: '2026-11-04', to: '2026-12-03' }, ['day', 'type']);
    await userEvent.click(screen.getByRole('radio', { name: '7 days' }));
    await waitFor(() => expect(api.report).toHaveBeenCalledWith(PERIOD7, ['day', 'type']));
    expect(api.report).toHaveBeenCalledWith(PERIOD7, ['model']);
    expect(api.report).toHaveBeenCalledWith(PERIOD7, ['type']);
    expect(api.balanceHistory).toHaveBeenCalledWith(PERIOD7);
    expect(screen.getByRole('radio', { name: '7 days' })).toBeChecked();
  });

  it('gives every chart a table with the figures, including days without traffic', async () => {
    const api = fakeApi();
    renderWithI18n(<UsagePage api={api} now={now} initialDays={7} />);
    await waitFor(() => expect(screen.getByTestId('usage-period')).toHaveTextContent('27 Nov 2026 – 3 Dec 2026'));

    const spend = tableText('chart-spend');
    expect(spend.split('\n')).toHaveLength(1 + 7 + 1);
    expect(spend).toContain('Day | Text | Audio | Total');
    expect(spend).toContain('1 Dec | $0.0123 | $0.0002 | $0.0125');
    expect(spend).toContain('30 Nov | $0.00 | $0.00 | $0.00');
    expect(spend).toContain('Total | $0.0123 | $0.0002 | $0.0125');

    const req = tableText('chart-requests');
    expect(req).toContain('1 Dec | 5 | 0');
    expect(req).toContain('3 Dec | 1 | 1');
    expect(req).toContain('Total | 6 | 1');
    expect(screen.getByTestId('chart-requests')).toHaveTextContent('Errors by kind: Rate limited 1');

    const models = tableText('chart-models').split('\n');
    expect(models[1]).toBe('openai/gpt-4o-mini | $0.0123 | 98.4% | 4');
    expect(models[2]).toBe('openai/whisper-1 | $0.0002 | 1.6% | 2');

    const lat = tableText('chart-latency');
    expect(lat).toContain('Text | 95 ms | 410 ms | 4');
    expect(lat).toContain('Audio | 640 ms | 1,250 ms | 2');
    // Text before audio, whatever order the server sent them in.
    expect(lat.indexOf('Text')).toBeLessThan(lat.indexOf('Audio'));

    expect(tableText('chart-balance')).toContain('3 Dec, 09:30:00 | $239.26 | $60.7425');
    expect(screen.getByTestId('days-left')).toHaveTextContent('At $0.001786 a day (the last 7 days), the balance lasts about 133,984 more days.');
    expect(screen.getByTestId('figure-days-left')).toHaveTextContent('133,984');
    expect(screen.getByTestId('figure-spend')).toHaveTextContent('$0.0125');
    expect(screen.getByTestId('figure-requests')).toHaveTextContent('6');
    expect(screen.getByTestId('figure-errors')).toHaveTextContent('1 16.7%');
    expect(screen.getByTestId('figure-tokens')).toHaveTextContent('312');
  });

  it('keeps the tables for screen readers and shows them on request', async () => {
    renderWithI18n(<UsagePage api={fakeApi()} now={now} initialDays={7} />);
    const card = await screen.findByTestId('chart-spend');
    const table = screen.getByTestId('chart-spend-table');
    expect(table).toHaveClass('sr-only');
    expect(within(card).getByRole('table', { name: 'Spend per day by type' })).toBeInTheDocument();
    expect(card.querySelector('[data-testid="chart-canvas"]')).toHaveAttribute('aria-hidden', 'true');
    const toggle = within(card).getByRole('button', { name: 'Show figures' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(toggle);
    expect(table).not.toHaveClass('sr-only');
    expect(screen.getByRole('region', { name: 'Spend per day by type' })).toHaveAttribute('tabindex', '0');
    expect(within(card).getByRole('button', { name: 'Hide figures' })).toHaveAttribute('aria-expanded', 'true');
  });

  it('stacks the spend bars by type: each bar reaches the sum of the types below it', async () => {
    renderWithI18n(<UsagePage api={fakeApi()} now={now} initialDays={7} />);
    await waitFor(() => expect(plots.some((p) => p.data[0].length === 7)).toBe(true));
    const spend = plots.filter((p) => p.opts.series[1]?.label === 'Audio').at(-1)!;
    // Drawn tallest first: audio's top (text + audio), then text alone.
    expect(spend.opts.series.map((s) => s.label)).toEqual([undefined, 'Audio', 'Text']);
    const dec1 = 4; // 27 Nov + 4 days
    expect(spend.data[1][dec1]).toBeCloseTo(0.0125, 10);
    expect(spend.data[2][dec1]).toBeCloseTo(0.0123, 10);
    expect(spend.data[1][0]).toBe(0);
  });

  it('says so when the period has no requests, and still shows the balance', async () => {
    const api = fakeApi({
      report: vi.fn(async (p: Period, by: UsageGroupKey[]) => emptyReport(by, p)),
      requests: vi.fn(async () => ({ data: [], next_cursor: null })),
      balanceHistory: vi.fn(async () => []),
      balance: vi.fn(async () => ({ ...balanceWithBurn, burn_rate: { window_days: 7, per_day: 0, days_left: null } })),
    });
    renderWithI18n(<UsagePage api={api} now={now} initialDays={7} />);
    await screen.findByTestId('usage-empty');
    expect(screen.getByText('No requests in this period')).toBeInTheDocument();
    expect(screen.queryByTestId('chart-spend')).toBeNull();
    expect(screen.getByTestId('chart-balance')).toHaveTextContent('No balance snapshot in this period yet');
    expect(screen.getByTestId('figure-days-left')).toHaveTextContent('no spend');
    expect(screen.getByTestId('days-left')).toHaveTextContent('Nothing was spent in the last 7 days.');
    expect(await screen.findByText('No requests yet.')).toBeInTheDocument();
  });

  it('shows the error and retries', async () => {
    const fail = vi.fn(async () => {
      throw new ApiError(503, 'store_unavailable', 'db down');
    });
    const api = fakeApi({ report: fail });
    renderWithI18n(<UsagePage api={api} now={now} initialDays={7} />);
    expect(await screen.findByText('The settings database is unavailable. Try again shortly.')).toBeInTheDocument();
    api.report.mockImplementation(async (p: Period, by: UsageGroupKey[]) => report(p, by));
    await userEvent.click(screen.getAllByRole('button', { name: 'Try again' })[0]);
    await screen.findByTestId('chart-spend');
  });

  it('still shows the charts when the balance cannot be read', async () => {
    const api = fakeApi({
      balance: vi.fn(async () => {
        throw new ApiError(400, 'no_api_key', 'no key');
      }),
      balanceHistory: vi.fn(async () => {
        throw new ApiError(404, 'not_found', 'no');
      }),
    });
    renderWithI18n(<UsagePage api={api} now={now} initialDays={7} />);
    await screen.findByTestId('chart-spend');
    await waitFor(() => expect(screen.getByTestId('days-left')).toHaveTextContent('The days left are unknown'));
    expect(screen.getByTestId('figure-days-left')).toHaveTextContent('—');
  });

  it('exports the period as CSV through the API and saves it under a dated name', async () => {
    const api = fakeApi();
    const save = vi.fn();
    renderWithI18n(<UsagePage api={api} now={now} save={save} initialDays={7} />);
    await screen.findByTestId('chart-spend');
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    await waitFor(() => expect(save).toHaveBeenCalledTimes(1));
    expect(api.exportCsv).toHaveBeenCalledWith(PERIOD7);
    expect(save.mock.calls[0][0]).toBeInstanceOf(Blob);
    expect(save.mock.calls[0][1]).toBe('aimodels-usage-2026-11-27-to-2026-12-03.csv');
  });

  it('says why an export failed', async () => {
    const api = fakeApi({
      exportCsv: vi.fn(async () => {
        throw new ApiError(0, 'network', 'Failed to fetch');
      }),
    });
    renderWithI18n(<UsagePage api={api} now={now} initialDays={7} save={vi.fn()} />);
    await screen.findByTestId('chart-spend');
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(await screen.findByText('Could not reach the aimodels server. Check that it is running.')).toBeInTheDocument();
  });

  it('speaks Russian with Russian numbers and money', async () => {
    renderWithI18n(<UsagePage api={fakeApi()} now={now} initialDays={7} />, 'ru');
    expect(await screen.findByRole('radio', { name: '7 дней' })).toBeChecked();
    await waitFor(() => expect(screen.getByTestId('usage-period')).toHaveTextContent('27 нояб. 2026 г. – 3 дек. 2026 г.'));
    expect(screen.getByRole('heading', { level: 1, name: 'Расходы' })).toBeInTheDocument();
    const spend = tableText('chart-spend');
    expect(spend).toContain('День | Текст | Аудио | Итого');
    expect(spend).toContain('1 дек. | 0,0123 $ | 0,0002 $ | 0,0125 $');
    expect(tableText('chart-latency')).toContain('Аудио | 640 мс | 1 250 мс | 2');
    expect(screen.getByTestId('figure-days-left').textContent?.replace(/[\u00a0\u202f]/g, ' ')).toContain('133 984');
    expect(screen.getByRole('button', { name: 'Выгрузить CSV' })).toBeInTheDocument();
  });
});
