import type { TryResponse } from '../api/types';
import { useI18n, type MessageKey } from '../i18n';
import { ErrorNotice } from './ErrorNotice';
import { formatInt, formatLatency, formatMoney } from './format';

// The server's try usage fields (adapters/echoapi/try.go, TryUsageDTO), in words.
const TOKEN_KEYS: Record<string, MessageKey> = {
  prompt_tokens: 'try.promptTokens',
  completion_tokens: 'try.completionTokens',
  total_tokens: 'try.totalTokens',
};

export type TryState = { kind: 'idle' } | { kind: 'busy' } | { kind: 'done'; result: TryResponse } | { kind: 'failed'; error: unknown };

/** What a try answered: the model's answer, how long it took and what it cost; or why it failed. */
export function TryResult({ state, onRetry, modelsHref }: { state: TryState; onRetry: () => void; modelsHref?: string }) {
  const { t, lang } = useI18n();
  if (state.kind === 'idle') return null;
  if (state.kind === 'busy')
    return (
      <p className="muted small try-result" role="status">
        <span className="spinner" aria-hidden="true" /> {t('try.busy')}
      </p>
    );
  if (state.kind === 'failed') return <ErrorNotice error={state.error} onRetry={onRetry} modelsHref={modelsHref} />;
  const r = state.result;
  // A transcription is billed by its audio's length: its token counts are
  // zeros nobody reported, so only those it did report are shown beside it.
  const seconds = typeof r.usage?.audio_seconds === 'number' ? r.usage.audio_seconds : undefined;
  const tokens = r.usage
    ? Object.entries(r.usage).filter(([k, v]) => k !== 'audio_seconds' && typeof v === 'number' && (seconds === undefined || v > 0))
    : [];
  const cost = r.cost === null || r.cost === undefined || r.cost === '' ? t('try.costUnknown') : formatMoney(lang, r.cost);
  return (
    <div className="try-result" data-testid="try-result" role="status">
      <blockquote className="answer">{r.answer || t('try.emptyAnswer')}</blockquote>
      <dl className="meta">
        <div>
          <dt>{t('try.model')}</dt>
          <dd>
            <code>{r.model}</code>
          </dd>
        </div>
        <div data-testid="try-latency">
          <dt>{t('try.latency')}</dt>
          <dd>{formatLatency(lang, r.latency_ms)}</dd>
        </div>
        <div data-testid="try-cost">
          <dt>{t('try.cost')}</dt>
          <dd>{cost}</dd>
        </div>
        {seconds !== undefined && (
          <div data-testid="try-audio-seconds">
            <dt>{t('try.audioSeconds')}</dt>
            <dd>{formatLatency(lang, seconds * 1000)}</dd>
          </div>
        )}
        {tokens.map(([k, v]) => (
          <div key={k}>
            <dt>{TOKEN_KEYS[k] ? t(TOKEN_KEYS[k]) : k.replace(/_/g, ' ')}</dt>
            <dd>{formatInt(lang, v)}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
