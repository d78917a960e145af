import { useId, useState } from 'react';
import { useI18n } from '../../i18n';
import { truncated } from './placeholders';

/** A prompt's text: long words wrap anywhere, and a long text is cut short with a "Show more" toggle. */
export function LongText({ text, className = 'prompt-text' }: { text: string; className?: string }) {
  const { t } = useI18n();
  const id = useId();
  const [open, setOpen] = useState(false);
  const short = truncated(text);
  return (
    <div className="long-text">
      <p id={id} className={className} data-testid="prompt-text">
        {open || short === null ? text : short}
      </p>
      {short !== null && (
        <button type="button" className="btn link small" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
          {open ? t('prompts.showLess') : t('prompts.showMore', { count: String(text.length) })}
        </button>
      )}
    </div>
  );
}
