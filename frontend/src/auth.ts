// The admin token: read once from the URL fragment (#token=...), kept in
// sessionStorage, and removed from the address bar so it is not bookmarked,
// shared or left in history.

export const TOKEN_STORAGE_KEY = 'aimodels.token';

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string): void {
  try {
    sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
  } catch {
    /* ignore */
  }
}

export function clearToken(): void {
  try {
    sessionStorage.removeItem(TOKEN_STORAGE_KEY);
  } catch {
    /* ignore */
  }
}

/**
 * Takes a token from location.hash if present, stores it and strips it from
 * the URL with history.replaceState. Other fragment parameters are kept.
 */
export function captureTokenFromFragment(): void {
  const hash = window.location.hash;
  if (!hash || hash.length < 2) return;
  const params = new URLSearchParams(hash.slice(1));
  const token = params.get('token');
  if (token === null) return;
  if (token.trim() !== '') setToken(token.trim());
  params.delete('token');
  const rest = params.toString();
  const url = window.location.pathname + window.location.search + (rest ? '#' + rest : '');
  window.history.replaceState(window.history.state, '', url);
}
