// Browser tests of what the models page says when the catalog changes (issue 17): a selected model that
// left the catalog or changed price is flagged on its card with what to do, and the page lists what is
// new, removed and repriced. Both languages, desktop 1440x900 and phone 390x844, against the real server
// and the fake OpenRouter, whose catalog the test changes. Screenshots: screenshots/changes-<lang>-<viewport>-<state>.png.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { closeAll, launchChromium, VIEWPORTS, startStack } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(here, 'screenshots');
const WAIT = 30000;

// The selected models, and what the changed catalog does to them.
const TEXT = 'openai/gpt-4o-mini'; // removed
const AUDIO = 'openai/whisper-1'; // prompt (per minute) 0.006 → 0.009
const REPRICED = 'openai/gpt-4.1-mini'; // not selected: its prompt price doubles
const ADDED = { id: 'acme/brand-new-1', name: 'Acme: Brand New 1' };

const WORDS = {
  en: {
    summary: '1 new, 1 removed, 2 with a new price.',
    show: 'Show',
    refresh: 'Refresh catalog',
    removedFlag: /left OpenRouter’s catalog: text requests fail until you choose another/,
    priceFlag: /^Its price changed: Input: \$0\.006 → \$0\.009 per minute\. Check that it still suits you, or choose another\.$/,
    chooseText: 'Choose another text model',
    chooseAudio: 'Choose another audio model',
    unavailable: 'This saved model is no longer in the catalog.',
    newBadge: 'New',
    repricedBadge: 'Price changed',
    listTitle: 'Text models',
    repricedLine: /Input: \$0\.40 → \$0\.80 per 1M tokens/,
  },
  ru: {
    summary: 'новых — 1, удалено — 1, с новой ценой — 2.',
    show: 'Показать',
    refresh: 'Обновить каталог',
    removedFlag: /Этой модели больше нет в каталоге OpenRouter: запросы типа «Текст» не пройдут/,
    priceFlag: /^Цена изменилась: Вход: 0,006 \$ → 0,009 \$ за минуту\. Проверьте, подходит ли она, или выберите другую\.$/,
    chooseText: 'Выбрать другую модель: Текст',
    chooseAudio: 'Выбрать другую модель: Аудио',
    unavailable: 'Сохранённой модели больше нет в каталоге.',
    newBadge: 'Новая',
    repricedBadge: 'Цена изменилась',
    listTitle: 'Модели: Текст',
    repricedLine: /Вход: 0,40 \$ → 0,80 \$ за 1 млн токенов/,
  },
};

const norm = (s) => s.replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ').trim();

/** The shared OpenRouter fixtures: $AIMODELS_FIXTURES_DIR, or X/shared/fixtures/openrouter above this checkout. */
function fixturesDir() {
  if (process.env.AIMODELS_FIXTURES_DIR) return process.env.AIMODELS_FIXTURES_DIR;
  for (let d = here; d !== dirname(d); d = dirname(d)) {
    const c = join(d, 'shared', 'fixtures', 'openrouter');
    if (existsSync(c)) return c;
  }
  throw new Error('OpenRouter fixtures not found: set AIMODELS_FIXTURES_DIR');
}

/** The fake's full catalog with TEXT removed, AUDIO and REPRICED repriced, and ADDED new. */
function changedCatalog() {
  const all = JSON.parse(readFileSync(join(fixturesDir(), 'models-all-2026-08-19.json'), 'utf8'));
  const byId = (id) => {
    const m = all.data.find((x) => x.id === id);
    assert.ok(m, `${id} is not in the fixture`);
    return m;
  };
  const base = byId(REPRICED);
  const data = all.data
    .filter((m) => m.id !== TEXT)
    .map((m) => {
      if (m.id === AUDIO) return { ...m, pricing: { ...m.pricing, prompt: '0.009' } };
      if (m.id === REPRICED) return { ...m, pricing: { ...m.pricing, prompt: String(Number(m.pricing.prompt) * 2) } };
      return m;
    });
  data.push({ ...base, id: ADDED.id, canonical_slug: ADDED.id, name: ADDED.name, created: Math.floor(Date.now() / 1000) });
  return JSON.stringify({ ...all, data });
}

let stack;
let browser;
let changed;

async function api(method, path, body) {
  const res = await fetch(stack.base + '/api/v1' + path, {
    method,
    headers: { Authorization: `Bearer ${stack.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

describe('catalog changes on the models page', { concurrency: false, timeout: 20 * 60_000 }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // A long catalog TTL: the server fetches the catalog again only when asked to refresh, so the test
    // decides which catalog the page's refresh compares with.
    stack = await startStack({ catalogTTL: '1h' });
    browser = await launchChromium();
    await api('PUT', '/settings/api-keys/openrouter', { key: stack.key });
    changed = changedCatalog();
  });
  after(() => closeAll(browser, stack));

  for (const lang of ['en', 'ru']) {
    for (const [vpName, viewport] of Object.entries(VIEWPORTS)) {
      const w = WORDS[lang];
      it(`flags the selected models that left the catalog or changed price and lists the changes (${lang}, ${vpName})`, async () => {
        // The catalog as the fake serves it by default is the one served last; the choices are saved against it.
        await stack.reset();
        await api('GET', '/settings/openrouter/models?refresh=true');
        await api('PUT', '/settings/openrouter/selection', { text: TEXT, audio: AUDIO });
        // OpenRouter's catalog changes; the server does not know until the page refreshes.
        await stack.fault('GET /models', 200, { body: changed });

        const context = await browser.newContext({ viewport, locale: lang === 'ru' ? 'ru-RU' : 'en-US' });
        try {
          await context.addInitScript(([token, l]) => {
            sessionStorage.setItem('aimodels.token', token);
            localStorage.setItem('aimodels.lang', l);
          }, [stack.token, lang]);
          const page = await context.newPage();
          page.setDefaultTimeout(WAIT);
          const shot = (state, opts = {}) => page.screenshot({ path: join(SHOTS, `changes-${lang}-${vpName}-${state}.png`), fullPage: vpName === 'desktop', ...opts });

          await page.goto(`${stack.base}/settings/models`);
          const textCard = page.getByTestId('type-card-text');
          const audioCard = page.getByTestId('type-card-audio');
          await textCard.waitFor();
          assert.equal(await textCard.getByTestId('flag').count(), 0, 'no flag before the refresh');

          await page.getByRole('button', { name: w.refresh, exact: true }).click();
          const notice = page.getByTestId('catalog-changes');
          await notice.waitFor();
          await page.waitForFunction((s) => document.querySelector('[data-testid="catalog-changes"]')?.textContent.replace(/\s+/g, ' ').includes(s), w.summary);

          // The text choice left the catalog: its card says so and what to do.
          const removed = textCard.getByTestId('flag');
          await removed.waitFor();
          assert.equal(await removed.getAttribute('data-kind'), 'removed');
          assert.match(norm(await removed.innerText()), w.removedFlag);
          assert.match(norm(await textCard.getByTestId('current').innerText()), new RegExp(`${TEXT.replace(/[./]/g, '\\$&')} — ${w.unavailable}`));
          // The audio choice changed price: its card says from what to what, in the language's money format.
          const priced = audioCard.getByTestId('flag');
          await priced.waitFor();
          assert.equal(await priced.getAttribute('data-kind'), 'price_changed');
          assert.match(norm(await priced.locator('p').innerText()), w.priceFlag);
          assert.ok(await priced.getByRole('button', { name: w.chooseAudio }).isVisible());
          // The image type had no saved choice: nothing to flag.
          assert.equal(await page.getByTestId('type-card-image').getByTestId('flag').count(), 0);
          const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
          assert.ok(sw <= cw, `page ${sw}px wide in ${cw}px`);
          await shot('flags');
          if (vpName === 'phone') {
            await audioCard.scrollIntoViewIfNeeded();
            await shot('flag-price');
          }

          // The list of changes.
          await notice.getByRole('button', { name: w.show, exact: true }).click();
          const items = notice.locator('.change-list li');
          await items.first().waitFor();
          const lines = (await items.allInnerTexts()).map(norm);
          assert.equal(lines.length, 4, lines.join('\n'));
          assert.ok(lines.some((l) => l.startsWith(w.newBadge) && l.includes(ADDED.id)), lines.join('\n'));
          assert.ok(lines.some((l) => l.includes(TEXT) && !l.includes(AUDIO)), lines.join('\n'));
          const rep = lines.find((l) => l.includes(REPRICED));
          assert.ok(rep && rep.startsWith(w.repricedBadge), lines.join('\n'));
          assert.match(rep, w.repricedLine);
          assert.ok(lines.every((l) => !/\b0\.0000/.test(l)), `a raw per-token decimal is shown: ${lines.join('\n')}`);
          await notice.scrollIntoViewIfNeeded();
          await shot('changes-list', { fullPage: false });

          // What to do: the flag's button opens the text list, where the new and the repriced models are marked.
          await removed.getByRole('button', { name: w.chooseText }).click();
          await page.waitForFunction(() => new URLSearchParams(location.search).get('type') === 'text');
          const table = page.getByTestId('model-table');
          await table.waitFor();
          assert.equal(norm(await table.locator('h2').innerText()), w.listTitle);
          await table.getByRole('searchbox').fill('acme brand');
          const row = table.locator(`[data-testid="model-row"][data-model-id="${ADDED.id}"]`);
          await row.waitFor();
          assert.ok(await row.locator('.new-badge').isVisible());
          await table.getByRole('searchbox').fill(REPRICED);
          const repRow = table.locator(`[data-testid="model-row"][data-model-id="${REPRICED}"]`);
          await repRow.waitFor();
          assert.equal(norm(await repRow.locator('.warn-badge').innerText()), w.repricedBadge);
          assert.equal(await table.locator(`[data-testid="model-row"][data-model-id="${TEXT}"]`).count(), 0);
          await shot('list-marked', { fullPage: false });
        } finally {
          await context.close();
          await stack.reset();
        }
      });
    }
  }
});
