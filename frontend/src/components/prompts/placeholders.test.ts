import { describe, expect, it } from 'vitest';
import { placeholdersOf, previewParts, truncated } from './placeholders';

describe('placeholders', () => {
  it('finds each name once, in order of first use, as the server does', () => {
    expect(placeholdersOf('Hi {{ customer }}, {{tone}} {{customer}} {{a.b-c_1}} {{1bad}} {{}}')).toEqual(['customer', 'tone', 'a.b-c_1']);
    expect(placeholdersOf('no braces')).toEqual([]);
  });

  it('fills values without expanding them again and marks the missing', () => {
    const parts = previewParts('Dear {{who}}, {{tone}}!', { who: '{{tone}} Анна' });
    expect(parts).toEqual([
      { kind: 'text', text: 'Dear ' },
      { kind: 'value', name: 'who', text: '{{tone}} Анна', missing: false },
      { kind: 'text', text: ', ' },
      { kind: 'value', name: 'tone', text: '{{tone}}', missing: true },
      { kind: 'text', text: '!' },
    ]);
  });

  it('cuts a long text or one of many lines, and leaves a short one whole', () => {
    expect(truncated('short')).toBeNull();
    const long = 'x'.repeat(5000);
    expect(truncated(long)).toBe('x'.repeat(600) + '…');
    const lines = Array.from({ length: 12 }, (_, i) => `line ${i}`).join('\n');
    expect(truncated(lines)).toBe(lines.split('\n').slice(0, 8).join('\n') + '…');
  });
});
