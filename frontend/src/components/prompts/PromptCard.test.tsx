import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { api } from '../../api/client';
import type { Prompt } from '../../api/types';
import { renderWithI18n } from '../../test/render';
import { warmUpDom } from '../../test/warmup';
import { PromptCard } from './PromptCard';

beforeAll(() => warmUpDom());
afterEach(() => vi.restoreAllMocks());

const base: Prompt = {
  id: 4,
  name: 'reply-to-customer',
  type: 'text',
  text: 'Reply to {{customer}} in a {{tone}} tone.',
  version: 3,
  placeholders: ['customer', 'tone'],
  default: false,
  created_at: '2026-12-01T10:00:00Z',
  updated_at: '2026-12-01T12:00:00Z',
};

function card(p: Prompt, onChanged = vi.fn(), lang: 'en' | 'ru' = 'en') {
  renderWithI18n(<PromptCard prompt={p} onEdit={vi.fn()} onDelete={vi.fn()} onChanged={onChanged} />, lang);
  return onChanged;
}

describe('PromptCard', () => {
  it('shows the placeholders, the version and the default badge', () => {
    card({ ...base, default: true });
    const chips = screen.getByRole('list', { name: 'Placeholders' });
    expect(within(chips).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['{{customer}}', '{{tone}}']);
    expect(screen.getByText('Version 3')).toBeInTheDocument();
    expect(screen.getByText('Default')).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: /Use by default for text requests/ })).toBeChecked();
  });

  it('cuts a 5,000-character prompt short and shows all of it on "Show more"', async () => {
    const user = userEvent.setup({ delay: null });
    const text = 'A'.repeat(5000);
    card({ ...base, text, placeholders: [] });
    const shown = screen.getByTestId('prompt-text');
    expect(shown.textContent).toHaveLength(601);
    const more = screen.getByRole('button', { name: 'Show more (5000 characters)' });
    expect(more).toHaveAttribute('aria-expanded', 'false');
    await user.click(more);
    expect(screen.getByTestId('prompt-text').textContent).toBe(text);
    await user.click(screen.getByRole('button', { name: 'Show less' }));
    expect(screen.getByTestId('prompt-text').textContent).toHaveLength(601);
  });

  it('previews the text with sample values typed per placeholder', async () => {
    const user = userEvent.setup({ delay: null });
    card(base);
    await user.click(screen.getByRole('button', { name: 'Preview' }));
    const preview = screen.getByTestId('prompt-preview');
    expect(within(preview).getByTestId('preview-missing')).toHaveTextContent('customer, tone');
    await user.type(within(preview).getByLabelText('Value of customer'), 'Анна');
    await user.type(within(preview).getByLabelText('Value of tone'), 'warm');
    expect(within(preview).getByTestId('preview-out')).toHaveTextContent('Reply to Анна in a warm tone.');
    expect(within(preview).queryByTestId('preview-missing')).toBeNull();
    expect(within(preview).getByTestId('preview-request')).toHaveTextContent('"prompt": "reply-to-customer", "variables": {"customer":"Анна","tone":"warm"}');
  });

  it('marks it the default of its type with the whole prompt in the PUT', async () => {
    const user = userEvent.setup({ delay: null });
    const put = vi.spyOn(api, 'updatePrompt').mockResolvedValue({ ...base, default: true });
    const changed = card(base);
    await user.click(screen.getByRole('checkbox', { name: /Use by default for text requests/ }));
    await waitFor(() => expect(changed).toHaveBeenCalledWith('“reply-to-customer” is now the default for text requests.'));
    expect(put).toHaveBeenCalledWith(4, { name: 'reply-to-customer', type: 'text', text: base.text, default: true });
  });

  it('lists the versions newest first and restores an old one', async () => {
    const user = userEvent.setup({ delay: null });
    vi.spyOn(api, 'listPromptVersions').mockResolvedValue([
      { version: 3, name: 'reply-to-customer', type: 'text', text: base.text, placeholders: ['customer', 'tone'], created_at: '2026-12-01T12:00:00Z' },
      { version: 2, name: 'reply', type: 'text', text: 'Answer {{customer}}.', placeholders: ['customer'], created_at: '2026-12-01T11:00:00Z' },
      { version: 1, name: 'reply', type: 'text', text: 'Hello.', placeholders: [], created_at: '2026-12-01T10:00:00Z' },
    ]);
    const restore = vi.spyOn(api, 'restorePromptVersion').mockResolvedValue({ ...base, version: 4, text: 'Answer {{customer}}.' });
    const changed = card(base);
    await user.click(screen.getByRole('button', { name: 'History' }));
    const history = await screen.findByTestId('prompt-history');
    await within(history).findByTestId('version-1');
    expect(within(history).getAllByRole('listitem').map((li) => li.getAttribute('data-testid'))).toEqual(['version-3', 'version-2', 'version-1']);
    // The current version has no restore button.
    expect(within(screen.getByTestId('version-3')).queryByRole('button', { name: /Restore/ })).toBeNull();
    await user.click(within(history).getByRole('button', { name: 'Restore version 2' }));
    await waitFor(() => expect(changed).toHaveBeenCalledWith('Restored as version 4.'));
    expect(restore).toHaveBeenCalledWith(4, 2);
  });

  it('speaks Russian', async () => {
    const user = userEvent.setup({ delay: null });
    card({ ...base, text: 'Б'.repeat(5000), placeholders: [] }, vi.fn(), 'ru');
    await user.click(screen.getByRole('button', { name: 'Показать полностью (5000 символов)' }));
    expect(screen.getByRole('button', { name: 'Свернуть' })).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: /По умолчанию для запросов типа «Текст»/ })).not.toBeChecked();
  });
});
