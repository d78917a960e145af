import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import { knownBalance, unknownCreditsBalance } from '../test/fixtures';
import { renderWithI18n } from '../test/render';
import { BalancePanel } from './BalancePanel';

describe('BalancePanel', () => {
  it('shows what is left, what was spent and the total when credits are known', async () => {
    renderWithI18n(<BalancePanel load={() => Promise.resolve(knownBalance)} />);
    const left = await screen.findByTestId('balance-left');
    expect(within(left).getByText('Left')).toBeInTheDocument();
    expect(within(left).getByText('$239.26')).toBeInTheDocument();
    expect(within(screen.getByTestId('balance-spent')).getByText('$60.74')).toBeInTheDocument();
    expect(within(screen.getByTestId('balance-total')).getByText('$300.00')).toBeInTheDocument();
    expect(screen.queryByText(/credits are unknown/)).not.toBeInTheDocument();
  });

  it('says the account credits are unknown and shows the key usage', async () => {
    renderWithI18n(<BalancePanel load={() => Promise.resolve(unknownCreditsBalance)} />);
    expect(await screen.findByText(/The account’s credits are unknown/)).toBeInTheDocument();
    const spent = screen.getByTestId('balance-spent');
    expect(within(spent).getByText('This key has used')).toBeInTheDocument();
    expect(within(spent).getByText('$1.25')).toBeInTheDocument();
    expect(within(screen.getByTestId('balance-left')).getByText('unknown')).toBeInTheDocument();
    expect(screen.queryByTestId('balance-total')).not.toBeInTheDocument();
    expect(screen.getByText('Free tier')).toBeInTheDocument();
  });

  it('refreshes on demand', async () => {
    const user = userEvent.setup();
    const load = vi
      .fn()
      .mockResolvedValueOnce(knownBalance)
      .mockResolvedValueOnce({ ...knownBalance, formatted_balance: '$200.00', formatted_usage: '$100.00' });
    renderWithI18n(<BalancePanel load={load} />);
    expect(await screen.findByText('$239.26')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Refresh balance' }));
    expect(await screen.findByText('$200.00')).toBeInTheDocument();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('explains a missing key with a link to add one', async () => {
    renderWithI18n(<BalancePanel load={() => Promise.reject(new ApiError(404, 'no_api_key', 'no key'))} />);
    expect(await screen.findByText(/No OpenRouter key is saved yet/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Add a key' })).toHaveAttribute('href', '/settings/api-keys');
  });

  it('speaks Russian when credits are unknown', async () => {
    renderWithI18n(<BalancePanel load={() => Promise.resolve(unknownCreditsBalance)} />, 'ru');
    expect(await screen.findByText(/Кредиты аккаунта неизвестны/)).toBeInTheDocument();
  });
});
