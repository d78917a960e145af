// Browser tests of the models page as a place to choose (issue 17), in both
// languages, on a desktop (1440x900) and a phone (390x844) viewport, against
// the real server and the fake OpenRouter. Screenshots of every state go to
// screenshots/models-<lang>-<viewport>-<state>.png.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { closeAll, launchChromium, VIEWPORTS, startStack } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(here, 'screenshots');
const WAIT = 30000;

const WORDS = {
  en: {
    free: 'Free only', variants: 'Show variants', provider: /^Provider/, compare: /^Compare 2$/, rejected: 'Rejected', verified: 'Verified',
    save: /^(Save key|Replace key)$/, keyInput: 'OpenRouter API key', tryType: (type) => `Try ${type} model`, countdown: /try again in (\d+) s/i, refreshBalance: 'Refresh balance',
    typeName: { text: 'text', image: 'image', audio: 'audio' }, details: /^Details of /, closeDetails: 'Close details',
    code: 'en', navLabel: 'Settings sections', tabs: ['AI models', 'API keys', 'Prompts', 'Usage'], language: 'Language', signOut: 'Sign out', menu: 'Language and sign out',
  },
  ru: {
    free: 'Только бесплатные', variants: 'Показать варианты', provider: /^Провайдер/, compare: /^Сравнить \(2\)$/, rejected: 'Отклонён', verified: 'Проверен',
    save: /^(Сохранить ключ|Заменить ключ)$/, keyInput: 'API-ключ OpenRouter', tryType: (type) => `Попробовать модель: ${type}`, countdown: /через (\d+) с/, refreshBalance: 'Обновить баланс',
    typeName: { text: 'Текст', image: 'Изображения', audio: 'Аудио' }, details: /^Подробнее о /, closeDetails: 'Закрыть подробности',
    code: 'ru', navLabel: 'Разделы настроек', tabs: ['Модели ИИ', 'API-ключи', 'Промпты', 'Расходы'], language: 'Язык', signOut: 'Выйти', menu: 'Язык и выход',
  },
};

let stack;
let browser;
let tryAvailable = false;

async function api(method, path, body) {
  const res = await fetch(stack.base + '/api/v1' + path, {
    method,
    headers: { Authorization: `Bearer ${stack.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** Waits until fn() (run in the page) is truthy, by Playwright's own polling. */
async function until(page, fn, arg) {
  await page.waitForFunction(fn, arg, { timeout: WAIT });
}

const rowIds = (page) => page.$$eval('[data-testid="model-row"]', (rs) => rs.map((r) => r.dataset.modelId));
const rowAttr = (page, attr) => page.$$eval('[data-testid="model-row"]', (rs, a) => rs.map((r) => r.getAttribute(a)), attr);

async function noOverflow(page, what) {
  const [sw, w] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(sw <= w, `${what}: page is ${sw}px wide in a ${w}px window`);
}

describe('choosing a model (issue 17)', { concurrency: false, timeout: 30 * 60_000 }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack();
    browser = await launchChromium();
    const saved = await api('PUT', '/settings/api-keys/openrouter', { key: stack.key });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    // The try endpoint comes with the backend half of issue 17; until then its tests are skipped, by name.
    tryAvailable = (await api('POST', '/settings/openrouter/try', { type: 'text' })).status !== 404;
  });

  after(() => closeAll(browser, stack));

  for (const lang of ['en', 'ru']) {
    for (const [vpName, viewport] of Object.entries(VIEWPORTS)) {
      const w = WORDS[lang];
      describe(`${lang} ${vpName}`, { concurrency: false, timeout: 10 * 60_000 }, () => {
        let context;
        let page;
        const shot = (state, fullPage = vpName === 'desktop') => page.screenshot({ path: join(SHOTS, `models-${lang}-${vpName}-${state}.png`), fullPage });
        const open = async (query) => {
          await page.goto(`${stack.base}/settings/models${query}`);
          await page.getByTestId('type-card-text').waitFor({ timeout: WAIT });
          if (query.includes('type=')) await page.getByTestId('model-row').first().waitFor({ timeout: WAIT });
        };

        before(async () => {
          await stack.reset();
          context = await browser.newContext({ viewport, locale: lang === 'ru' ? 'ru-RU' : 'en-US' });
          await context.addInitScript(([token, l]) => {
            sessionStorage.setItem('aimodels.token', token);
            localStorage.setItem('aimodels.lang', l);
          }, [stack.token, lang]);
          page = await context.newPage();
          page.setDefaultTimeout(WAIT);
        });
        after(async () => {
          await context?.close();
          await stack.reset();
        });

        it('shows the three types with their choice and the balance after them', async () => {
          await open('');
          await page.getByTestId('type-card-audio').waitFor();
          const [cards, balance] = await page.evaluate(() => [
            document.querySelector('[data-testid="type-card-text"]').getBoundingClientRect().top,
            document.querySelector('section.balance').getBoundingClientRect().top,
          ]);
          if (vpName === 'phone') assert.ok(cards < balance, 'the pickers come before the balance on a phone');
          const header = await page.locator('.topbar').boundingBox();
          if (vpName === 'phone') assert.ok(header.height < 64, `phone header is ${header.height}px high`);
          await noOverflow(page, 'models page');
          await shot('overview');
        });

        it('shows every tab of the header in the window, in one row, without sideways scrolling', async () => {
          await open('');
          const nav = page.getByRole('navigation', { name: w.navLabel });
          const tabs = nav.getByRole('link');
          assert.equal(await tabs.count(), 4);
          for (const name of w.tabs) {
            const box = await nav.getByRole('link', { name, exact: true }).boundingBox();
            assert.ok(box, `tab ${name} is not shown`);
            assert.ok(box.x >= 0 && box.x + box.width <= viewport.width && box.y >= 0 && box.y + box.height <= viewport.height, `tab ${name} at ${JSON.stringify(box)} is outside the ${viewport.width}x${viewport.height} window`);
          }
          const [sw, cw] = await nav.evaluate((n) => [n.scrollWidth, n.clientWidth]);
          assert.ok(sw <= cw, `the tabs scroll sideways: ${sw}px in ${cw}px`);
          const header = await page.locator('.topbar').boundingBox();
          assert.ok(header.height <= 64, `header is ${header.height}px high`);
          // The language and signing out: beside the tabs, or behind one button on a phone.
          if (vpName === 'phone') await page.locator(`.topbar summary[aria-label="${w.menu}"]`).click();
          const lang = page.getByLabel(w.language, { exact: true });
          await lang.waitFor({ state: 'visible' });
          const lb = await lang.boundingBox();
          assert.ok(lb.x >= 0 && lb.x + lb.width <= viewport.width, `language switch at ${JSON.stringify(lb)}`);
          assert.ok(await page.getByRole('button', { name: w.signOut }).isVisible());
          await page.screenshot({ path: join(SHOTS, `models-${w.code}-${vpName}-header.png`), clip: { x: 0, y: 0, width: viewport.width, height: Math.min(viewport.height, 260) } });
          if (vpName === 'phone') {
            await page.keyboard.press('Escape');
            await lang.waitFor({ state: 'hidden' });
          }
        });

        it('sort by price puts a free model first', async () => {
          await open('?type=text&sort=price');
          const free = await rowAttr(page, 'data-free');
          assert.equal(free[0], '1', `first row ${(await rowIds(page))[0]} is not free`);
          await noOverflow(page, 'sorted list');
          await shot('sort-price', false);
        });

        it('?type=text&sort=price&free=1 lists only free models after a reload', async () => {
          await open('?type=text&sort=price&free=1');
          await page.reload();
          await page.getByTestId('model-row').first().waitFor();
          const free = await rowAttr(page, 'data-free');
          assert.ok(free.length > 0);
          assert.deepEqual([...new Set(free)], ['1']);
          assert.ok(await page.getByRole('checkbox', { name: w.free }).isChecked());
          assert.match(page.url(), /\?type=text&sort=price&free=1$/);
          await shot('free-only', false);
        });

        it('filters by provider', async () => {
          await open('?type=text');
          await page.getByRole('combobox', { name: w.provider }).selectOption('anthropic');
          await until(page, () => location.search.includes('provider=anthropic'));
          await until(page, () => [...document.querySelectorAll('[data-testid="model-row"]')].every((r) => r.dataset.provider === 'anthropic'));
          const providers = await rowAttr(page, 'data-provider');
          assert.ok(providers.length > 1);
          const names = await page.$$eval('[data-testid="model-row"] .provider-cell', (cs) => [...new Set(cs.map((c) => c.textContent))]);
          assert.deepEqual(names, ['Anthropic'], 'one display name per provider');
          await shot('provider', false);
        });

        it('lays out every row in its box: nothing under the Details button, nothing outside the row', async () => {
          for (const type of ['text', 'image', 'audio']) {
            await open(`?type=${type}`);
            await page.getByTestId('model-row').first().waitFor();
            // Rows are measured after they render (on a phone, where each takes the height its cells need).
            await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
            const bad = await page.$$eval('[data-testid="model-row"]', (rows) => {
              const out = [];
              const inside = (a, b) => a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5 && a.left >= b.left - 0.5 && a.right <= b.right + 0.5;
              const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
              const tops = rows.map((r) => r.getBoundingClientRect()).sort((a, b) => a.top - b.top);
              for (let i = 1; i < tops.length; i++) if (tops[i].top < tops[i - 1].bottom - 0.5) out.push(`rows overlap at y=${tops[i].top}`);
              for (const row of rows) {
                const box = row.getBoundingClientRect();
                const btn = row.querySelector('.details-btn').getBoundingClientRect();
                const id = row.dataset.modelId;
                for (const el of row.querySelectorAll('.cell, .cell *, .details-btn, .compare-box')) {
                  const b = el.getBoundingClientRect();
                  if (b.width === 0 || b.height === 0) continue;
                  if (!inside(b, box)) out.push(`${id}: ${el.className || el.tagName} outside its row`);
                  if (el.matches('.name .model-name, .name .badge, .name .model-id, .name .fold') && overlap(b, btn)) out.push(`${id}: ${el.className || el.tagName} under the Details button`);
                }
              }
              return out;
            });
            assert.deepEqual(bad.slice(0, 5), [], `${type}: ${bad.length} layout faults`);
            if (type === 'audio') await shot('rows-audio', false);
          }
        });

        it('keeps the row the arrow keys highlight in view, rows of any height', async () => {
          await open('?type=audio');
          await page.getByTestId('model-row').first().waitFor();
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
          for (let i = 0; i < 14; i++) await page.keyboard.press('ArrowDown');
          await until(page, () => {
            const a = document.querySelector('.trow.active')?.getBoundingClientRect();
            const w = document.querySelector('.tbody')?.getBoundingClientRect();
            return a && w && a.top >= w.top - 0.5 && a.bottom <= w.bottom + 0.5;
          });
          assert.equal(await page.locator('.trow.active').getAttribute('aria-posinset'), '15');
        });

        it('folds variants under their base model and shows them on demand', async () => {
          await open('?type=text&q=glm-5.2');
          const fold = page.locator('[data-testid="model-row"] button.fold').first();
          await fold.waitFor();
          const before = (await rowIds(page)).length;
          await fold.click();
          await until(page, (n) => document.querySelectorAll('[data-testid="model-row"]').length > n, before);
          assert.ok((await page.locator('[data-testid="model-row"].child').count()) > 0);
          await shot('variants-open', false);
          await page.getByRole('checkbox', { name: w.variants }).check();
          await until(page, () => location.search.includes('variants=1'));
          assert.equal(await page.locator('[data-testid="model-row"] button.fold').count(), 0);
        });

        it('shows a model’s details', async () => {
          await open('?type=text&sort=price');
          await page.getByRole('button', { name: w.details }).first().click();
          const d = page.getByTestId('model-details');
          await d.waitFor();
          assert.ok((await d.locator('.price-table tr').count()) > 0, 'details list the prices');
          await shot('details', false);
          await page.getByRole('button', { name: w.closeDetails }).click();
          await d.waitFor({ state: 'detached' });
        });

        it('compares two models side by side', async () => {
          await open('?type=text&sort=context');
          const boxes = page.locator('[data-testid="model-row"] .compare-box');
          await boxes.nth(0).check();
          await boxes.nth(1).check();
          await page.getByTestId('compare-tray').getByRole('button', { name: w.compare }).click();
          const cmp = page.getByTestId('compare');
          await cmp.waitFor();
          assert.equal(await cmp.locator('thead th').count(), 2);
          await shot('compare', vpName === 'desktop');
        });

        for (const type of ['text', 'image', 'audio']) {
          it(`tries the ${type} model and shows the answer, latency and cost`, async (t) => {
            if (!tryAvailable) return t.skip('POST /settings/openrouter/try is not on this server yet');
            await open('');
            const card = page.getByTestId(`type-card-${type}`);
            await card.getByRole('button', { name: w.tryType(w.typeName[type]) }).click();
            const r = card.getByTestId('try-result');
            await r.waitFor({ timeout: 45000 });
            assert.match(await r.locator('.answer').innerText(), /\S/);
            assert.match(await r.getByTestId('try-latency').innerText(), /\d/);
            assert.match(await r.getByTestId('try-cost').innerText(), /\S/);
            // The token counts are labelled in the page's language, not with the API's field names.
            assert.doesNotMatch(await r.locator('.meta').innerText(), /_tokens|\b(prompt|completion|total) tokens\b/);
            if (type === 'audio') {
              // The audio type's model here transcribes (whisper): billed by the clip's length, which is
              // shown, and its token counts (none reported) are not shown as zeros.
              assert.match(await r.getByTestId('try-audio-seconds').innerText(), /\d/);
              assert.doesNotMatch(await r.locator('.meta').innerText(), /(^|\n)0(\n|$)/);
            }
            await card.scrollIntoViewIfNeeded();
            await shot(`try-${type}`, false);
          });
        }

        it('counts down a 429’s Retry-After', async () => {
          await open('');
          await stack.fault('GET /credits', 429, { retry_after: '20' });
          const panel = page.locator('section.balance');
          await panel.getByRole('button', { name: w.refreshBalance }).click();
          const cd = panel.getByTestId('retry-countdown');
          await cd.waitFor({ timeout: 45000 });
          const n = Number((await cd.innerText()).match(w.countdown)?.[1]);
          assert.ok(n > 0 && n <= 20, `countdown ${n}`);
          await until(page, (first) => {
            const m = document.querySelector('section.balance [data-testid="retry-countdown"]')?.textContent?.match(/(\d+)/);
            return m && Number(m[1]) < first;
          }, n);
          await panel.scrollIntoViewIfNeeded();
          await shot('rate-limited', false);
          await stack.reset();
        });

        it('a rejected key shows "Rejected", and the models page leads to the key step', async () => {
          await stack.fault('GET /key', 401);
          await page.goto(`${stack.base}/settings/api-keys`);
          await page.getByLabel(w.keyInput).fill(stack.key);
          await page.getByRole('button', { name: w.save }).click();
          const pill = page.getByTestId('key-state');
          await until(page, (want) => document.querySelector('[data-testid="key-state"]')?.textContent === want, w.rejected);
          assert.equal(await page.locator('.notice.success').count(), 0, 'no green notice for a rejected key');
          await shot('key-rejected');
          await page.reload();
          await until(page, (want) => document.querySelector('[data-testid="key-state"]')?.textContent === want, w.rejected);
          await open('');
          await page.getByTestId('key-step').waitFor();
          await shot('key-step');
          await stack.reset();
          await page.goto(`${stack.base}/settings/api-keys`);
          await page.getByLabel(w.keyInput).fill(stack.key);
          await page.getByRole('button', { name: w.save }).click();
          await until(page, (want) => document.querySelector('[data-testid="key-state"]')?.textContent === want, w.verified);
          assert.equal(await pill.innerText(), w.verified);
        });
      });
    }
  }
});
