import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { api, ApiError } from '../api/client';
import { errorMessage } from '../api/errors';
import type { Balance } from '../api/types';
import { useI18n } from '../i18n';
import { ROUTES } from '../router';
import { Link } from './Link';

interface Props {
  load?: () => Promise<Balance>;
}

type State =
  | { kind: 'loading' }
  | { kind: 'ready'; balance: Balance }
  | { kind: 'error'; error: unknown };

/** What is left on the OpenRouter account and what was spent, with a refresh button. */
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
        {state.kind === 'error' && (
          <div className="notice error" role="alert">
            <p>{errorMessage(t, state.error)}</p>
            {state.error instanceof ApiError && state.error.code === 'no_api_key' && (
              <Link href={ROUTES.apiKeys} className="btn small">
                {t('balance.addKey')}
              </Link>
            )}
          </div>
        )}
        {state.kind === 'ready' && <BalanceFigures balance={state.balance} />}
      </div>
    </section>
  );
}

function BalanceFigures({ balance: b }: { balance: Balance }) {
  const { t } = useI18n();
  const creditsKnown = b.credits_known !== false;
  const balanceKnown = b.balance_known !== false;
  return (
    <>
      {!creditsKnown && <p className="notice info">{t('balance.unknownCredits')}</p>}
      <dl className="figures">
        <div className="figure" data-testid="balance-left">
          <dt>{t('balance.left')}</dt>
          <dd>{balanceKnown ? b.formatted_balance : t('balance.leftUnknown')}</dd>
        </div>
        <div className="figure" data-testid="balance-spent">
          <dt>{creditsKnown ? t('balance.spent') : t('balance.keyUsage')}</dt>
          <dd>{b.formatted_usage}</dd>
        </div>
        {creditsKnown && b.formatted_total_credits && (
          <div className="figure" data-testid="balance-total">
            <dt>{t('balance.total')}</dt>
            <dd>{b.formatted_total_credits}</dd>
          </div>
        )}
      </dl>
      {b.is_free_tier && <span className="badge">{t('balance.freeTier')}</span>}
    </>
  );
}
