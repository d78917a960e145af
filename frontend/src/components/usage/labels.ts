import type { TFunc } from '../../i18n';
import { TYPE_ORDER } from './data';

const TYPE_COLORS: Record<string, string> = { text: '#3b5bdb', image: '#e8590c', audio: '#0c8599' };
const OTHER_COLORS = ['#862e9c', '#5c940d', '#868e96'];

/** The colour of a type in every chart: fixed for the known types, from a small palette for others. */
export function typeColor(type: string, types: string[]): string {
  if (TYPE_COLORS[type]) return TYPE_COLORS[type];
  const others = types.filter((x) => !TYPE_ORDER.includes(x));
  return OTHER_COLORS[Math.max(others.indexOf(type), 0) % OTHER_COLORS.length];
}

/** A type's name in the page's language; a type this UI does not know is shown as the server names it. */
export function typeLabel(t: TFunc, type: string): string {
  if (type === 'text' || type === 'image' || type === 'audio') return t(`type.${type}`);
  if (type === 'explicit' || type === 'model' || type === 'explicit_model' || type === 'explicit model') return t('usage.typeExplicit');
  return type;
}
