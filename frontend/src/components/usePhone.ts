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
function subscribe(fn: () => void) {
  const m = phoneMedia();
  m?.addEventListener?.('change', fn);
  return () => m?.removeEventListener?.('change', fn);
}

/** Whether the window is phone-sized. */
export function usePhone(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => !!phoneMedia()?.matches,
    () => false,
  );
}
