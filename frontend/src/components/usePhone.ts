import { useSyncExternalStore } from 'react';

/** The width at which the layout becomes the phone's (styles.css uses the same). */
export const PHONE = '(max-width: 700px)';

// One MediaQueryList for the page: matchMedia builds a new one on every call, and React reads the snapshot
// on every render of every component that uses it.
let phoneQuery: MediaQueryList | null | undefined;
function phoneMedia(): MediaQueryList | null {
  if (phoneQuery === undefined) phoneQuery = window.matchMedia?.(PHONE) ?? null;
  return phoneQuery;
}
// The answer, kept from the query's change events: reading .matches on every render costs a media query
// evaluation each time.
let matches: boolean | undefined;
function subscribe(fn: () => void) {
  const m = phoneMedia();
  const onChange = () => {
    matches = !!m?.matches;
    fn();
  };
  m?.addEventListener?.('change', onChange);
  return () => m?.removeEventListener?.('change', onChange);
}
function snapshot(): boolean {
  if (matches === undefined) matches = !!phoneMedia()?.matches;
  return matches;
}

/** Whether the window is phone-sized. */
export function usePhone(): boolean {
  return useSyncExternalStore(subscribe, snapshot, () => false);
}
