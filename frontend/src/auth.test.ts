import { describe, expect, it } from 'vitest';
import { captureTokenFromFragment, getToken, TOKEN_STORAGE_KEY } from './auth';

describe('captureTokenFromFragment', () => {
  it('stores the token and removes it from the address bar', () => {
    window.history.replaceState(null, '', '/settings/models?x=1#token=abc123');
    captureTokenFromFragment();
    expect(getToken()).toBe('abc123');
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBe('abc123');
    expect(window.location.href).not.toContain('abc123');
    expect(window.location.pathname + window.location.search).toBe('/settings/models?x=1');
    expect(window.location.hash).toBe('');
  });
});
