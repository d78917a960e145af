// Browser tests of the prompts page: a 5,000-character prompt without a
// space (issue 17: it made the page 4,032 px wide and pushed Edit and
// Delete off screen) in both languages on a desktop and a phone, the
// placeholders, the preview with sample values, the default toggle and the
// version history with restore. Same environment as ui.test.mjs.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { closeAll, launchChromium, VIEWPORTS, startStack } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(here, 'screenshots');
const WAIT = 20000;
const LONG = 'Ж'.repeat(2500) + 'W'.repeat(2500); // 5,000 characters, no space
const LONG_NAME = 'a-very-long-prompt-name-without-any-space-'.repeat(4).slice(0, 160);

const LANGS = {
  en: { locale: 'en-US', edit: 'Edit', del: 'Delete', more: /^Show more/, less: 'Show less', restored: /Restored as version 3/, history: 'History', preview: 'Preview' },
  ru: { locale: 'ru-RU', edit: 'Изменить', del: 'Удалить', more: /^Показать полностью/, less: 'Свернуть', restored: /Восстановлено как версия 3/, history: 'История', preview: 'Предпросмотр' },
};

let stack;
let browser;

async function api(method, path, body) {
  const res = await fetch(`${stack.base}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${stack.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function openPage(lang, viewport) {
  const context = await browser.newContext({ viewport, locale: LANGS[lang].locale });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  await page.goto(`${stack.base}/#token=${stack.token}`);
  await page.waitForURL((u) => u.pathname === '/settings/models');
  await page.goto(`${stack.base}/settings/prompts`);
  await page.locator('.prompt-list').waitFor();
  return { context, page };
}

/** The page's width, the window's, and how far right each Edit/Delete button of the card reaches. */
async function widths(page, card, lang) {
  const { doc, win } = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, win: window.innerWidth }));
  const rights = [];
  for (const name of [LANGS[lang].edit, LANGS[lang].del]) {
    const box = await card.getByRole('button', { name: new RegExp(`^${name}`) }).first().boundingBox();
    rights.push(box ? box.x + box.width : Infinity);
  }
  return { doc, win, rights };
}

describe('prompts page', { concurrency: false }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack();
    browser = await launchChromium();
    await api('POST', '/settings/prompts', { name: 'long-unbroken', type: 'text', text: LONG });
    await api('POST', '/settings/prompts', { name: LONG_NAME, type: 'image', text: 'Describe {{subject}}.' });
    const p = await api('POST', '/settings/prompts', { name: 'reply-to-customer', type: 'text', text: 'Reply to {{customer}} warmly.' });
    await api('PUT', `/settings/prompts/${p.id}`, { name: 'reply-to-customer', type: 'text', text: 'Answer {{customer}} in a {{tone}} tone.' });
  });

  after(() => closeAll(browser, stack));

  for (const lang of Object.keys(LANGS)) {
    for (const [device, viewport] of Object.entries(VIEWPORTS)) {
      it(`a 5,000-character prompt without spaces fits the window (${lang}, ${device} ${viewport.width}x${viewport.height})`, async () => {
        const { context, page } = await openPage(lang, viewport);
        try {
          for (const name of ['long-unbroken', LONG_NAME]) {
            // Found by its heading, as on a page without test ids (the defect's).
            const card = page.locator('li.prompt', { has: page.getByRole('heading', { level: 2, name, exact: true }) });
            await card.waitFor();
            const w = await widths(page, card, lang);
            assert.ok(w.doc <= w.win, `${name}: the page is ${w.doc}px wide in a ${w.win}px window`);
            for (const r of w.rights) assert.ok(r <= w.win, `${name}: a button of the card ends at ${r}px, beyond the ${w.win}px window`);
          }
          const card = page.locator('li.prompt', { has: page.getByRole('heading', { level: 2, name: 'long-unbroken', exact: true }) });
          const shown = await card.locator('.prompt-text').first().innerText();
          assert.ok(shown.length < 1000, `the long prompt is shown whole (${shown.length} characters) before "show more"`);
          await page.screenshot({ path: join(SHOTS, `prompts-long-${lang}-${device}.png`), fullPage: false });
          await card.getByRole('button', { name: LANGS[lang].more }).click();
          assert.equal((await card.locator('.prompt-text').first().innerText()).length, LONG.length);
          const open = await widths(page, card, lang);
          assert.ok(open.doc <= open.win, `opened: the page is ${open.doc}px wide in a ${open.win}px window`);
          await page.screenshot({ path: join(SHOTS, `prompts-long-open-${lang}-${device}.png`), fullPage: false });
          await card.getByRole('button', { name: LANGS[lang].less }).click();
        } finally {
          await context.close();
        }
      });
    }
  }

  it('shows the placeholders, previews with sample values, marks the default and restores a version', async () => {
    const { context, page } = await openPage('en', VIEWPORTS.desktop);
    try {
      const card = page.getByTestId('prompt-reply-to-customer');
      const chips = card.getByRole('list', { name: 'Placeholders' });
      assert.deepEqual(await chips.getByRole('listitem').allInnerTexts(), ['{{customer}}', '{{tone}}']);
      assert.ok(await card.getByText('Version 2').isVisible());

      await card.getByRole('button', { name: 'Preview' }).click();
      await card.getByLabel('Value of customer').fill('Анна');
      await card.getByLabel('Value of tone').fill('warm');
      assert.equal(await card.getByTestId('preview-out').innerText(), 'Answer Анна in a warm tone.');
      await page.screenshot({ path: join(SHOTS, 'prompts-preview-en.png'), fullPage: false });

      await card.getByRole('checkbox', { name: /Use by default for text requests/ }).check();
      await page.getByText('“reply-to-customer” is now the default for text requests.').waitFor();
      const saved = await api('GET', '/settings/prompts?type=text');
      assert.deepEqual(saved.prompts.filter((p) => p.default).map((p) => p.name), ['reply-to-customer']);

      await card.getByRole('button', { name: 'History' }).click();
      const history = card.getByTestId('prompt-history');
      await history.getByTestId('version-1').waitFor();
      await history.getByRole('button', { name: 'Restore version 1' }).click();
      await page.getByText(/Restored as version 3/).waitFor();
      await card.getByTestId('version-3').waitFor();
      assert.equal(await card.getByTestId('prompt-text').first().innerText(), 'Reply to {{customer}} warmly.');
      await page.screenshot({ path: join(SHOTS, 'prompts-history-en.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
