import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import { knownBalance, limitedKeyBalance, olderServerBalance, unknownCreditsBalance } from '../test/fixtures';
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
    expect(screen.getByRole('link', { name: 'Add your OpenRouter key' })).toHaveAttribute('href', '/settings/api-keys');
  });

  it('shows the key’s spending limit as a figure and a meter, with its reset period', async () => {
    renderWithI18n(<BalancePanel load={() => Promise.resolve(limitedKeyBalance)} />);
    const limit = await screen.findByTestId('key-limit');
    expect(within(limit).getByText('$7.50 of $10.00 left on this key')).toBeInTheDocument();
    expect(within(limit).getByText('Resets monthly')).toBeInTheDocument();
    const meter = within(limit).getByRole('meter', { name: 'Left of this key’s spending limit' });
    expect(meter).toHaveAttribute('aria-valuemin', '0');
    expect(meter).toHaveAttribute('aria-valuemax', '10');
    expect(meter).toHaveAttribute('aria-valuenow', '7.5');
    expect(meter).toHaveAttribute('aria-valuetext', '$7.50 of $10.00 left on this key');
    expect(meter).toHaveAttribute('data-level', 'ok');
    expect(meter.firstElementChild).toHaveStyle({ width: '75.0%' });
    expect(screen.queryByText(/no spending limit/i)).not.toBeInTheDocument();
  });

  it('marks a nearly spent limit, keeps the meter in range, and names a reset period it does not know', async () => {
    renderWithI18n(
      <BalancePanel load={() => Promise.resolve({ ...limitedKeyBalance, limit: 20, limit_remaining: 1.5, limit_reset: 'yearly' })} />,
    );
    const meter = await screen.findByRole('meter');
    expect(meter).toHaveAttribute('aria-valuenow', '1.5');
    expect(meter).toHaveAttribute('data-level', 'low');
    expect(screen.getByText('Resets: yearly')).toBeInTheDocument();
    cleanup();

    renderWithI18n(<BalancePanel load={() => Promise.resolve({ ...limitedKeyBalance, limit_remaining: -0.25, limit_reset: undefined })} />);
    const spent = await screen.findByRole('meter');
    expect(spent).toHaveAttribute('aria-valuenow', '0');
    expect(spent).toHaveAttribute('data-level', 'empty');
    expect(screen.getByText('-$0.25 of $10.00 left on this key')).toBeInTheDocument();
    expect(screen.queryByText(/^Resets/)).not.toBeInTheDocument();
  });

  it('says the key has no spending limit when its limit is null', async () => {
    renderWithI18n(<BalancePanel load={() => Promise.resolve(knownBalance)} />);
    expect(await screen.findByTestId('key-no-limit')).toHaveTextContent('No spending limit on this key.');
    expect(screen.queryByRole('meter')).not.toBeInTheDocument();
    expect(screen.queryByTestId('key-limit')).not.toBeInTheDocument();
    expect(screen.queryByText('Free tier')).not.toBeInTheDocument();
  });

  it('shows the key’s usage today, this week and this month, small amounts included', async () => {
    renderWithI18n(<BalancePanel load={() => Promise.resolve(limitedKeyBalance)} />);
    const usage = await screen.findByTestId('key-usage');
    const figure = (label: string) => within(usage).getByText(label).nextElementSibling;
    expect(figure('Today')).toHaveTextContent('$0.004314');
    expect(figure('This week')).toHaveTextContent('$1.20');
    expect(figure('This month')).toHaveTextContent('$2.50');
    expect(screen.getByRole('heading', { name: 'Used by this key' })).toBeInTheDocument();
  });

  it('shows a free-tier badge only for a free-tier key', async () => {
    renderWithI18n(<BalancePanel load={() => Promise.resolve(limitedKeyBalance)} />);
    const key = await screen.findByRole('region', { name: 'This key' });
    expect(within(key).getByText('Free tier')).toHaveClass('badge');
    cleanup();
    renderWithI18n(<BalancePanel load={() => Promise.resolve({ ...limitedKeyBalance, is_free_tier: false })} />);
    await screen.findByTestId('key-limit');
    expect(screen.queryByText('Free tier')).not.toBeInTheDocument();
  });

  it('leaves the key’s figures out when an older server does not send them', async () => {
    renderWithI18n(<BalancePanel load={() => Promise.resolve(olderServerBalance)} />);
    expect(await screen.findByText('$25.50')).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'This key' })).not.toBeInTheDocument();
    expect(screen.queryByText(/spending limit/i)).not.toBeInTheDocument();
    expect(screen.queryByTestId('key-usage')).not.toBeInTheDocument();
  });

  it('speaks Russian about the key’s limit, usage and tier', async () => {
    renderWithI18n(<BalancePanel load={() => Promise.resolve(limitedKeyBalance)} />, 'ru');
    const limit = await screen.findByTestId('key-limit');
    expect(within(limit).getByText('Осталось 7,50 $ из 10,00 $ лимита ключа')).toBeInTheDocument();
    expect(within(limit).getByText('Обнуляется каждый месяц')).toBeInTheDocument();
    expect(within(limit).getByRole('meter', { name: 'Остаток лимита расходов ключа' })).toHaveAttribute('aria-valuenow', '7.5');
    const usage = screen.getByTestId('key-usage');
    expect(within(usage).getByText('Сегодня').nextElementSibling).toHaveTextContent('0,004314 $');
    expect(within(usage).getByText('На этой неделе').nextElementSibling).toHaveTextContent('1,20 $');
    expect(within(usage).getByText('В этом месяце').nextElementSibling).toHaveTextContent('2,50 $');
    expect(screen.getByText('Бесплатный тариф')).toBeInTheDocument();
    cleanup();
    renderWithI18n(<BalancePanel load={() => Promise.resolve(knownBalance)} />, 'ru');
    expect(await screen.findByText('У этого ключа нет лимита расходов.')).toBeInTheDocument();
  });

  it('speaks Russian when credits are unknown', async () => {
    renderWithI18n(<BalancePanel load={() => Promise.resolve(unknownCreditsBalance)} />, 'ru');
    expect(await screen.findByText(/Кредиты аккаунта неизвестны/)).toBeInTheDocument();
  });
});
