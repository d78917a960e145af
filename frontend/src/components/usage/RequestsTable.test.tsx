import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { UsageRequestsPage } from '../../api/usage';
import { renderWithI18n } from '../../test/render';
import { warmUpDom } from '../../test/warmup';
import { requestRow } from './fixtures';
import { PAGE_SIZE, RequestsTable } from './RequestsTable';

const KINDS = ['rate_limited', 'timeout'];

describe('RequestsTable', { timeout: 30_000 }, () => {
  beforeAll(() => {
    warmUpDom();
    // findBy/waitFor wait 1 s by default: too little for a whole page on a loaded two-core machine.
    configure({ asyncUtilTimeout: 10_000 });
  });

  it('lists the rows with their figures and no message content', async () => {
    const requests = vi.fn(
      async (): Promise<UsageRequestsPage> => ({
        data: [
          requestRow(1, { endpoint: 'stream', requested_model: 'text', model: 'openai/gpt-4o-mini', prompt: 'Summarise', prompt_version: 3, ttft_ms: 85 }),
          requestRow(2, { type: 'audio', requested_model: 'audio', model: 'openai/whisper-1', outcome: 'timeout', cost: null, tokens: {} }),
        ],
        next_cursor: null,
      }),
    );
    renderWithI18n(<RequestsTable api={{ requests }} types={['text', 'audio']} models={[]} kinds={KINDS} />);
    const table = await screen.findByTestId('requests-table');
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toHaveTextContent('1 Dec, 12:00:01');
    expect(rows[1]).toHaveTextContent('openai/gpt-4o-mini');
    expect(rows[1]).toHaveTextContent('asked for text');
    expect(rows[1]).toHaveTextContent('prompt Summarise v3');
    expect(rows[1]).toHaveTextContent('31 in / 21 out');
    expect(rows[1]).toHaveTextContent('$0.0041');
    expect(rows[1]).toHaveTextContent('120 ms');
    expect(rows[1]).toHaveTextContent('first token 85 ms');
    expect(rows[1]).toHaveTextContent('Textstream');
    expect(rows[1]).toHaveTextContent('OK');
    expect(rows[2]).toHaveTextContent('Audio');
    expect(rows[2]).toHaveTextContent('Timed out');
    expect(rows[2]).toHaveTextContent('—');
    expect(requests).toHaveBeenCalledWith({ limit: PAGE_SIZE });
  });

  it('filters by type, model and outcome', async () => {
    const requests = vi.fn(async (): Promise<UsageRequestsPage> => ({ data: [], next_cursor: null }));
    renderWithI18n(
      <RequestsTable api={{ requests }} types={['text', 'audio']} models={['openai/gpt-4o-mini', 'openai/whisper-1']} kinds={KINDS} />,
    );
    expect(await screen.findByText('No requests yet.')).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText('Type'), 'audio');
    await userEvent.selectOptions(screen.getByLabelText('Model'), 'openai/whisper-1');
    await userEvent.selectOptions(screen.getByLabelText('Outcome'), 'timeout');
    await waitFor(() =>
      expect(requests).toHaveBeenLastCalledWith({ type: 'audio', model: 'openai/whisper-1', outcome: 'timeout', limit: PAGE_SIZE }),
    );
    expect(await screen.findByText('No requests match these filters.')).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText('Outcome'), 'ok');
    await waitFor(() => expect(requests).toHaveBeenLastCalledWith({ type: 'audio', model: 'openai/whisper-1', outcome: 'ok', limit: PAGE_SIZE }));
    await userEvent.selectOptions(screen.getByLabelText('Type'), '');
    await waitFor(() => expect(requests).toHaveBeenLastCalledWith({ model: 'openai/whisper-1', outcome: 'ok', limit: PAGE_SIZE }));
  });

  it('follows next_cursor with "Show older" and keeps the filters', async () => {
    const pages: Record<string, UsageRequestsPage> = {
      '': { data: [requestRow(1), requestRow(2)], next_cursor: 'c2' },
      c2: { data: [requestRow(3)], next_cursor: null },
    };
    const requests = vi.fn(async (f: { cursor?: string }) => pages[f.cursor ?? '']);
    renderWithI18n(<RequestsTable api={{ requests }} types={['text']} models={[]} kinds={[]} />);
    await userEvent.selectOptions(await screen.findByLabelText('Type'), 'text');
    await screen.findByText('2 shown');
    await userEvent.click(screen.getByRole('button', { name: 'Show older' }));
    await screen.findByText('3 shown');
    expect(requests).toHaveBeenLastCalledWith({ type: 'text', limit: PAGE_SIZE, cursor: 'c2' });
    expect(within(screen.getByTestId('requests-table')).getAllByRole('row')).toHaveLength(4);
    expect(screen.queryByRole('button', { name: 'Show older' })).toBeNull();
  });
});
