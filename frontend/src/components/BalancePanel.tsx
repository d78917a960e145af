import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { api } from '../api/client';
import type { Balance } from '../api/types';
import { useI18n } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { ErrorNotice } from './ErrorNotice';
import { formatMoney, formatUSD } from './format';

/** A dollar amount: the server's figure in English, the language's own money format otherwise. */
function useMoney() {
  const { lang } = useI18n();
  return (x: number | undefined | null, server?: string) => {
    if (lang === 'en') return server !== undefined && server !== '' ? server : formatUSD(x);
    if (x === undefined || x === null || !Number.isFinite(x)) return server ?? '';
    // As many decimals as the server's English figure has, in the language's money format.
    const en = formatUSD(x);
    const digits = (en.split('.')[1] ?? '').length;
    return en.includes('<') ? `<${formatMoney(lang, 0.000001, digits)}` : formatMoney(lang, x, digits);
  };
}

interface Props {
  load?: () => Promise<Balance>;
}

type State =
  | { kind: 'loading' }
  | { kind: 'ready'; balance: Balance }
  | { kind: 'error'; error: unknown };

/**
 * What is left on the OpenRouter account and what was spent, with a refresh button; below, the key's own
 * spending limit, its usage today, this week and this month, and whether it is on the free tier.
 */
export function BalancePanel({ load = api.getBalance }: Props) {
  const { t } = useI18n();
  const headingId = useId();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [busy, setBusy] = useState(false);
  const seq = useRef(0);

  const fetchBalance = useCallback(async () => {
    const my = ++seq.current;
    setBusy(true);
    try {
      const balance = await load();
      if (my === seq.current) setState({ kind: 'ready', balance });
    } catch (error) {
      if (my === seq.current) setState({ kind: 'error', error });
    } finally {
      if (my === seq.current) setBusy(false);
    }
  }, [load]);

  useEffect(() => {
    void fetchBalance();
  }, [fetchBalance]);

  return (
    <section className="card balance" aria-labelledby={headingId} aria-busy={busy}>
      <div className="card-head">
        <h2 id={headingId}>{t('balance.title')}</h2>
        <button type="button" className="btn small" onClick={() => void fetchBalance()} disabled={busy}>
          {busy ? t('balance.refreshing') : t('balance.refresh')}
        </button>
      </div>
      <div aria-live="polite">
        {state.kind === 'loading' && <p className="muted">{t('common.loading')}</p>}
        {state.kind === 'error' && <ErrorNotice error={state.error} onRetry={() => void fetchBalance()} />}
        {state.kind === 'ready' && <BalanceFigures balance={state.balance} />}
      </div>
    </section>
  );
}

function BalanceFigures({ balance: b }: { balance: Balance }) {
  const { t } = useI18n();
  const money = useMoney();
  const creditsKnown = b.credits_known !== false;
  const balanceKnown = b.balance_known !== false;
  return (
    <>
      {!creditsKnown && <p className="notice info">{t('balance.unknownCredits')}</p>}
      <dl className="figures">
        <div className="figure" data-testid="balance-left">
          <dt>{t('balance.left')}</dt>
          <dd>{balanceKnown ? money(b.balance, b.formatted_balance) : t('balance.leftUnknown')}</dd>
        </div>
        <div className="figure" data-testid="balance-spent">
          <dt>{creditsKnown ? t('balance.spent') : t('balance.keyUsage')}</dt>
          <dd>{money(b.usage, b.formatted_usage)}</dd>
        </div>
        {creditsKnown && b.formatted_total_credits && (
          <div className="figure" data-testid="balance-total">
            <dt>{t('balance.total')}</dt>
            <dd>{money(b.total_credits, b.formatted_total_credits)}</dd>
          </div>
        )}
      </dl>
      <KeyFigures balance={b} />
    </>
  );
}

const isAmount = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

const RESETS: Record<string, MessageKey> = {
  daily: 'balance.resetsDaily',
  weekly: 'balance.resetsWeekly',
  monthly: 'balance.resetsMonthly',
};

/** The key's own figures: its spending limit, what it used today, this week and this month, its tier. */
function KeyFigures({ balance: b }: { balance: Balance }) {
  const { t } = useI18n();
  const money = useMoney();
  const headingId = useId();
  const periods: [MessageKey, number | undefined][] = [
    ['balance.usageDaily', b.usage_daily],
    ['balance.usageWeekly', b.usage_weekly],
    ['balance.usageMonthly', b.usage_monthly],
  ];
  const hasUsage = periods.some(([, v]) => isAmount(v));
  // An older server sends none of these: then the block is left out rather than guessed.
  if (b.limit === undefined && !hasUsage && !b.is_free_tier) return null;
  return (
    <section className="key-figures" aria-labelledby={headingId}>
      <div className="key-head">
        <h3 id={headingId} className="eyebrow">
          {t('balance.keyTitle')}
        </h3>
        {b.is_free_tier && <span className="badge">{t('balance.freeTier')}</span>}
      </div>
      {b.limit === null && (
        <p className="muted small" data-testid="key-no-limit">
          {t('balance.noLimit')}
        </p>
      )}
      {isAmount(b.limit) && <KeyLimit limit={b.limit} remaining={b.limit_remaining} reset={b.limit_reset} />}
      {hasUsage && (
        <>
          <h4 className="usage-title">{t('balance.usageTitle')}</h4>
          <dl className="usage-periods" data-testid="key-usage">
            {periods.map(([label, v]) => (
              <div key={label}>
                <dt>{t(label)}</dt>
                <dd>{isAmount(v) ? money(v) : '—'}</dd>
              </div>
            ))}
          </dl>
          <p className="muted small">{t('balance.usageUtc')}</p>
        </>
      )}
    </section>
  );
}

function KeyLimit({ limit, remaining, reset }: { limit: number; remaining?: number | null; reset?: string | null }) {
  const { t } = useI18n();
  const formatUSD = useMoney();
  const resetKey = reset && Object.hasOwn(RESETS, reset) ? RESETS[reset] : undefined;
  const resetText = resetKey ? t(resetKey) : reset ? t('balance.resetsOther', { period: reset }) : '';
  if (!isAmount(remaining)) {
    return (
      <div className="key-limit" data-testid="key-limit">
        <p className="limit-figure">{t('balance.limitOnly', { limit: formatUSD(limit) })}</p>
        {resetText && <p className="muted small">{resetText}</p>}
      </div>
    );
  }
  const sentence = t('balance.limitLeft', { left: formatUSD(remaining), limit: formatUSD(limit) });
  // The bar shows the share still available; it stays within 0..limit even if the upstream overshoots.
  const now = Math.min(Math.max(remaining, 0), Math.max(limit, 0));
  const share = limit > 0 ? now / limit : 0;
  const level = share <= 0 ? 'empty' : share <= 0.1 ? 'low' : 'ok';
  return (
    <div className="key-limit" data-testid="key-limit">
      <p className="limit-figure">{sentence}</p>
      <div
        className="meter"
        role="meter"
        aria-label={t('balance.limitMeter')}
        aria-valuemin={0}
        aria-valuemax={Math.max(limit, 0)}
        aria-valuenow={now}
        aria-valuetext={sentence}
        data-level={level}
      >
        <span style={{ width: `${(share * 100).toFixed(1)}%` }} />
      </div>
      {resetText && <p className="muted small">{resetText}</p>}
    </div>
  );
}
