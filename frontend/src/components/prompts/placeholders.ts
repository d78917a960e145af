// The {{name}} placeholders of a prompt, as the server reads them
// (core/domain/prompt.go): spaces inside the braces allowed, names of
// letters, digits, _, . and -, starting with a letter or _.
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/** The placeholder names of text, each once, in order of first use. */
export function placeholdersOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (!out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

/** A piece of a filled-in preview: literal text, or a placeholder with its value (missing when none was given). */
export type PreviewPart = { kind: 'text'; text: string } | { kind: 'value'; name: string; text: string; missing: boolean };

/** Splits text into literal parts and placeholders filled from values, as the server fills them (values are not expanded again). */
export function previewParts(text: string, values: Record<string, string>): PreviewPart[] {
  const parts: PreviewPart[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    const at = m.index ?? 0;
    if (at > last) parts.push({ kind: 'text', text: text.slice(last, at) });
    const v = values[m[1]];
    const missing = v === undefined || v === '';
    parts.push({ kind: 'value', name: m[1], text: missing ? m[0] : v, missing });
    last = at + m[0].length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

/** The longest text shown before "show more", in characters and in lines. */
export const PREVIEW_CHARS = 600;
export const PREVIEW_LINES = 8;

/** The start of text shown collapsed, or null when it is short enough to show whole. */
export function truncated(text: string, chars = PREVIEW_CHARS, lines = PREVIEW_LINES): string | null {
  let cut = text.length > chars ? chars : -1;
  let nl = -1;
  for (let i = 0; i < lines; i++) {
    nl = text.indexOf('\n', nl + 1);
    if (nl < 0) break;
  }
  if (nl >= 0 && (cut < 0 || nl < cut)) cut = nl;
  return cut < 0 ? null : text.slice(0, cut).trimEnd() + '…';
}
