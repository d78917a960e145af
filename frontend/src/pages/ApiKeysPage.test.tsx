import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '../api/client';
import { renderWithI18n } from '../test/render';
import { warmUpDom } from '../test/warmup';
import { ApiKeysPage } from './ApiKeysPage';

warmUpDom();
afterEach(() => vi.restoreAllMocks());

describe('ApiKeysPage', () => {
  it.each([
    ['rejected', 'Rejected', /saved, but OpenRouter rejected it: User not found/, 'en'],
    ['verified', 'Verified', /^Key saved\. OpenRouter accepted it\.$/, 'en'],
    ['unchecked', 'Not checked', /could not be checked now: network/, 'en'],
    ['rejected', 'Отклонён', /OpenRouter его отклонил/, 'ru'],
  ] as const)('after saving says %s persistently (%s, %s)', async (status, pill, flash, lang) => {
    const user = userEvent.setup({ delay: null });
    const saved = { provider: 'openrouter', configured: true, masked: 'sk-or-…cdef', verification: { status, checked_at: '2026-12-01T12:00:00Z', reason: status === 'rejected' ? 'User not found' : status === 'unchecked' ? 'network' : '' } };
    vi.spyOn(api, 'getKeys').mockResolvedValueOnce([{ provider: 'openrouter', configured: false }]).mockResolvedValue([saved]);
    vi.spyOn(api, 'saveKey').mockResolvedValue(saved);
    const { unmount } = renderWithI18n(<ApiKeysPage />, lang);
    const input = await screen.findByLabelText(lang === 'en' ? 'OpenRouter API key' : /ключ/i, { selector: 'input' });
    await user.type(input, 'sk-or-v1-wrong');
    await user.keyboard('{Enter}');
    expect(await screen.findByTestId('key-flash')).toHaveTextContent(flash);
    expect(screen.getByTestId('key-state')).toHaveTextContent(pill);
    if (status === 'rejected') expect(screen.queryByText(/^Key saved/)).toBeNull();
    // A reload reads the verdict back from GET /settings/api-keys.
    unmount();
    renderWithI18n(<ApiKeysPage />, lang);
    expect(await screen.findByTestId('key-verification')).toBeInTheDocument();
    expect(screen.getByTestId('key-state')).toHaveTextContent(pill);
  });
});
