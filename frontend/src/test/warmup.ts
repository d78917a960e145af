import { screen } from '@testing-library/react';

/**
 * Pays, outside any one test, what jsdom and Testing Library do once per
 * test file: the first getComputedStyle parses jsdom's default style
 * sheet, and the first role query builds its selectors and role tables.
 * On a loaded machine that alone can take seconds, charged to whichever
 * test happens to query first. Call it from beforeAll.
 */
export function warmUpDom() {
  const probe = document.createElement('button');
  probe.textContent = 'warm-up';
  document.body.appendChild(probe);
  try {
    getComputedStyle(probe);
    screen.getByRole('button', { name: 'warm-up' });
  } finally {
    probe.remove();
  }
}
