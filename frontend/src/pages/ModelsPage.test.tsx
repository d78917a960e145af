import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from '../api/client';
import type { CatalogResult, Model, Selection, SelectionEntry } from '../api/types';
import { renderWithI18n } from '../test/render';
import { warmUpDom } from '../test/warmup';
import { URL_QUERY_DELAY_MS } from '../components/ModelTable';
import { ModelsPage } from './ModelsPage';

warmUpDom();

// jsdom lays nothing out: give elements a size so that the windowed list renders its rows.
for (const [prop, v] of [
  ['clientHeight', 600],
  ['clientWidth', 800],
] as const) {
  Object.defineProperty(HTMLElement.prototype, prop, { configurable: true, get: () => v });
}

function m(id: string, name: string, usd: string, extra: Partial<Model> = {}): Model {
  return {
    id,
    name,
    provider_id: id.split('/')[0],
    provider_name: id.startsWith('openai') ? 'OpenAI' : 'Meta',
    context_length: 128000,
    is_free: usd === '0',
    base_model: id.split(':')[0],
    variant: id.split(':')[1] ?? '',
    prices: { text: [{ field: 'prompt', usd, unit: 'token' }, { field: 'completion', usd, unit: 'token' }] },
    sort_price: { text: usd },
    ...extra,
  };
}

const text = [m('openai/gpt-4o-mini', 'GPT-4o mini', '0.00000015'), m('meta/llama:free', 'Llama (free)', '0'), m('meta/llama', 'Llama', '0.0000001')];

function catalog(extra: Partial<CatalogResult> = {}): CatalogResult {
  return {
    catalog: { text, image: [], audio: [] },
    stale: false,
    fetchedAt: null,
    recommended: { text: { model_id: 'openai/gpt-4o-mini', rule: 'cheapest current family with ≥ 32K context' } },
    changes: { since: null, added: ['meta/llama'], removed: [], price_changed: [] },
    ...extra,
  };
}

function entry(type: 'text' | 'image' | 'audio', model_id: string, extra: Partial<SelectionEntry> = {}): SelectionEntry {
  return { type, model_id, saved: true, recommended: false, available: true, saved_at: null, model: null, fallbacks: [], flag: null, ...extra };
}

const selection = (text: Partial<SelectionEntry> = {}): Selection => ({
  text: entry('text', 'meta/llama', text),
  image: entry('image', ''),
  audio: entry('audio', ''),
});

beforeEach(() => {
  window.history.replaceState(null, '', '/settings/models');
  vi.spyOn(api, 'getBalance').mockReturnValue(new Promise(() => {}));
  vi.spyOn(api, 'getKeys').mockResolvedValue([{ provider: 'openrouter', configured: true, verification: { status: 'verified' } }]);
});
afterEach(() => vi.restoreAllMocks());

describe('ModelsPage', () => {
  it('opens the list of the URL’s type with its state and lists only free models for free=1', async () => {
    window.history.replaceState(null, '', '/settings/models?type=text&sort=price&free=1');
    vi.spyOn(api, 'getCatalog').mockResolvedValue(catalog());
    vi.spyOn(api, 'getSelection').mockResolvedValue(selection());
    renderWithI18n(<ModelsPage />);
    const table = await screen.findByTestId('model-table');
    const rows = within(table).getAllByTestId('model-row');
    expect(rows.map((r) => r.getAttribute('data-model-id'))).toEqual(['meta/llama:free']);
    expect(within(table).getByRole('checkbox', { name: 'Free only' })).toBeChecked();
  });

  it('keeps the list state in the URL as the user changes it', async () => {
    const user = userEvent.setup({ delay: null });
    vi.spyOn(api, 'getCatalog').mockResolvedValue(catalog());
    vi.spyOn(api, 'getSelection').mockResolvedValue(selection());
    renderWithI18n(<ModelsPage />);
    await user.click(await screen.findByRole('button', { name: 'Choose text model' }));
    expect(window.location.search).toBe('?type=text');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Sort' }), 'price');
    await user.type(screen.getByRole('searchbox'), 'llama');
    // The search text reaches the URL once typing pauses.
    await waitFor(() => expect(window.location.search).toBe('?type=text&q=llama&sort=price'));
    // Variants are folded: the free one first, its base under it.
    expect(screen.getAllByTestId('model-row').map((r) => r.getAttribute('data-model-id'))).toEqual(['meta/llama:free']);
    await user.click(screen.getByRole('button', { name: 'Show 1 more variants of Llama (free)' }));
    expect(screen.getAllByTestId('model-row').map((r) => r.getAttribute('data-model-id'))).toEqual(['meta/llama:free', 'meta/llama']);
  });

  it('writes the search to the URL when typing pauses, not on every keystroke, and keeps what was typed meanwhile', async () => {
    // The page's timers stand still until the test moves the clock; the keystrokes are change events
    // (user-event's own waits need a running clock).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      window.history.replaceState(null, '', '/settings/models?type=text');
      const replace = vi.spyOn(window.history, 'replaceState');
      vi.spyOn(api, 'getCatalog').mockResolvedValue(catalog());
      vi.spyOn(api, 'getSelection').mockResolvedValue(selection());
      renderWithI18n(<ModelsPage />);
      // The mocked requests resolve in microtasks: let them, with the clock stopped.
      for (let i = 0; i < 10 && !screen.queryByRole('searchbox'); i++) await act(() => vi.advanceTimersByTimeAsync(0));
      const box = screen.getByRole('searchbox');
      const typeText = (v: string) => act(() => void fireEvent.change(box, { target: { value: v } }));
      const rowIds = () => screen.queryAllByTestId('model-row').map((r) => r.getAttribute('data-model-id'));
      for (const v of ['l', 'll', 'lla']) await typeText(v);
      expect(box).toHaveValue('lla');
      expect(replace).not.toHaveBeenCalled();
      expect(window.location.search).toBe('?type=text');
      // The list follows the text before the URL does.
      expect(rowIds()).toEqual(['meta/llama:free']);
      await act(async () => {
        vi.advanceTimersByTime(URL_QUERY_DELAY_MS - 1);
      });
      expect(replace).not.toHaveBeenCalled();
      await act(async () => {
        vi.advanceTimersByTime(1);
      });
      expect(window.location.search).toBe('?type=text&q=lla');
      expect(replace).toHaveBeenCalledTimes(1);
      // Typing on after the write keeps the new text when the page re-renders for the URL.
      for (const v of ['llam', 'llama']) await typeText(v);
      await act(async () => {
        vi.advanceTimersByTime(URL_QUERY_DELAY_MS);
      });
      expect(window.location.search).toBe('?type=text&q=llama');
      expect(replace).toHaveBeenCalledTimes(2);
      expect(box).toHaveValue('llama');
      // A change of the URL from outside (a link, back) replaces the text.
      await act(async () => {
        window.history.pushState(null, '', '/settings/models?type=text&q=gpt');
        window.dispatchEvent(new PopStateEvent('popstate'));
      });
      expect(box).toHaveValue('gpt');
      // Escape clears the text and the URL's q at once, and a pending write does not bring it back.
      await typeText('gpt-4');
      await act(() => void fireEvent.keyDown(box, { key: 'Escape' }));
      expect(box).toHaveValue('');
      expect(window.location.search).toBe('?type=text');
      await act(async () => {
        vi.advanceTimersByTime(URL_QUERY_DELAY_MS);
      });
      expect(window.location.search).toBe('?type=text');
    } finally {
      vi.useRealTimers();
    }
  });

  it('leads a user whose key was rejected to the key step', async () => {
    vi.spyOn(api, 'getKeys').mockResolvedValue([{ provider: 'openrouter', configured: true, verification: { status: 'rejected', reason: 'User not found.' } }]);
    vi.spyOn(api, 'getCatalog').mockResolvedValue(catalog());
    vi.spyOn(api, 'getSelection').mockResolvedValue(selection());
    renderWithI18n(<ModelsPage />);
    const step = await screen.findByTestId('key-step');
    expect(step).toHaveTextContent('OpenRouter rejected the saved key (User not found.)');
    expect(within(step).getByRole('link', { name: 'Replace the OpenRouter key' })).toHaveAttribute('href', '/settings/api-keys');
  });

  it('accepts the recommended default in one click and edits fallbacks', async () => {
    const user = userEvent.setup({ delay: null });
    vi.spyOn(api, 'getCatalog').mockResolvedValue(catalog());
    vi.spyOn(api, 'getSelection').mockResolvedValue(selection({ fallbacks: ['meta/llama:free', 'openai/gpt-4o-mini'] }));
    const save = vi.spyOn(api, 'saveSelection').mockImplementation(async () => selection());
    renderWithI18n(<ModelsPage />);
    await user.click(await screen.findByRole('button', { name: 'Move GPT-4o mini up in text fallbacks' }));
    expect(save).toHaveBeenLastCalledWith({ text: { model: 'meta/llama', fallbacks: ['openai/gpt-4o-mini', 'meta/llama:free'] } });
    await user.click(screen.getByRole('button', { name: 'Use recommended text model' }));
    expect(save).toHaveBeenLastCalledWith({ text: 'openai/gpt-4o-mini' });
  });

  it('counts down a 429’s Retry-After on a try and links each error to its fix', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const user = userEvent.setup({ delay: null, advanceTimers: vi.advanceTimersByTime });
      vi.spyOn(api, 'getCatalog').mockResolvedValue(catalog());
      vi.spyOn(api, 'getSelection').mockResolvedValue(selection());
      vi.spyOn(api, 'tryModel').mockRejectedValueOnce(new ApiError(429, 'rate_limited', 'slow down', 20)).mockRejectedValueOnce(new ApiError(402, 'insufficient_credits', 'no credits'));
      renderWithI18n(<ModelsPage />);
      const card = await screen.findByTestId('type-card-text');
      await user.click(within(card).getByRole('button', { name: 'Try text model' }));
      expect(await within(card).findByTestId('retry-countdown')).toHaveTextContent('You can try again in 20 s.');
      await act(async () => {
        vi.advanceTimersByTime(5000);
      });
      expect(within(card).getByTestId('retry-countdown')).toHaveTextContent('in 15 s');
      expect(within(card).getByRole('button', { name: 'Try again' })).toBeDisabled();
      await user.click(within(card).getByRole('button', { name: 'Try text model' }));
      expect(await within(card).findByRole('link', { name: 'Add credits on OpenRouter' })).toHaveAttribute('href', 'https://openrouter.ai/settings/credits');
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows what changed in the catalog and flags a removed selected model', async () => {
    vi.spyOn(api, 'getCatalog').mockResolvedValue(catalog());
    vi.spyOn(api, 'getSelection').mockResolvedValue(selection({ flag: { kind: 'removed' } }));
    renderWithI18n(<ModelsPage />);
    expect(await screen.findByTestId('catalog-changes')).toHaveTextContent('1 new, 0 removed, 0 with a new price.');
    const flag = within(screen.getByTestId('type-card-text')).getByTestId('flag');
    expect(flag).toHaveTextContent('left OpenRouter’s catalog');
    expect(within(flag).getByRole('button', { name: 'Choose another text model' })).toBeInTheDocument();
  });

  it('gives every button a name of its own', async () => {
    window.history.replaceState(null, '', '/settings/models?type=text');
    vi.spyOn(api, 'getCatalog').mockResolvedValue(catalog());
    vi.spyOn(api, 'getSelection').mockResolvedValue(selection({ fallbacks: ['openai/gpt-4o-mini'] }));
    renderWithI18n(<ModelsPage />);
    await screen.findByTestId('model-table');
    const names = screen.getAllByRole('button').map((b) => b.getAttribute('aria-label') ?? b.textContent ?? '');
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});
