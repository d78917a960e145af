import { useSyncExternalStore } from 'react';

// A tiny History API router: the three settings routes are deep-linkable and
// the server answers every non-API path with index.html.

const listeners = new Set<() => void>();

function subscribe(fn: () => void) {
  listeners.add(fn);
  window.addEventListener('popstate', fn);
  return () => {
    listeners.delete(fn);
    window.removeEventListener('popstate', fn);
  };
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export function navigate(path: string, opts: { replace?: boolean } = {}): void {
  if (path === window.location.pathname && !opts.replace) return;
  if (opts.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  listeners.forEach((fn) => fn());
}

export const ROUTES = {
  apiKeys: '/settings/api-keys',
  models: '/settings/models',
  prompts: '/settings/prompts',
  usage: '/settings/usage',
} as const;
