// Browser tests of the usage page (issue 14): traffic sent through the real server to the fake
// OpenRouter, then the page in English and Russian on a desktop (1440x900) and a phone (390x844):
// the charts' text alternatives carry the traffic's figures, the CSV export has the same totals,
// and screenshots of the loading, empty and filled states. See run.sh for the environment.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { closeAll, launchChromium, VIEWPORTS, startStack } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(here, 'screenshots');
const WAIT = 30000;

const LOCALES = { en: 'en-US', ru: 'ru-RU' };

const CHATS = 5;
const STREAMS = 2;
const TRANSCRIPTIONS = 3;
// One more chat fails upstream (402): an error of kind insufficient_credits.
const FAILED = 1;

let stack;
let browser;
/** What the traffic below answered: requests by type, errors, the cost OpenRouter reported. */
const sent = { text: 0, audio: 0, errors: 0, cost: 0 };

/** A WAV file (16 kHz, 16-bit mono) of `seconds` of silence. */
function wav(seconds) {
  const data = Math.round(seconds * 32000);
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(16000, 24);
  b.writeUInt32LE(32000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(data, 40);
  return b;
}

async function call(method, path, body) {
  const res = await fetch(stack.base + path, {
    method,
    headers: { Authorization: `Bearer ${stack.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers };
}

async function callJSON(method, path, body) {
  const r = await call(method, path, body);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
  return r.text ? JSON.parse(r.text) : undefined;
}

/** Today's UTC day and the one six days before: the page's 7-day period. */
function week() {
  const to = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - 6 * 86400000).toISOString().slice(0, 10);
  return { from, to };
}

/** Sends the traffic and adds up what OpenRouter (the fake) said each request cost. */
async function sendTraffic() {
  for (let i = 0; i < CHATS; i++) {
    const r = await callJSON('POST', '/api/v1/chat/completions', { model: 'text', messages: [{ role: 'user', content: `hello ${i}` }] });
    sent.text++;
    sent.cost += Number(r?.usage?.cost ?? 0);
  }
  for (let i = 0; i < STREAMS; i++) {
    const r = await call('POST', '/api/v1/chat/completions', { model: 'text', stream: true, messages: [{ role: 'user', content: 'stream' }] });
    assert.equal(r.status, 200, r.text);
    sent.text++;
    for (const line of r.text.split('\n')) {
      const m = /^data: (\{.*\})\s*$/.exec(line);
      if (m) sent.cost += Number(JSON.parse(m[1])?.usage?.cost ?? 0);
    }
  }
  for (let i = 0; i < TRANSCRIPTIONS; i++) {
    const audio = wav(1 + i / 2).toString('base64');
    const r = await callJSON('POST', '/api/v1/audio/transcriptions', { model: 'audio', input_audio: { data: audio, format: 'wav' } });
    sent.audio++;
    sent.cost += Number(r?.usage?.cost ?? 0);
  }
  await stack.fault('POST /chat/completions', 402, { times: 1 });
  for (let i = 0; i < FAILED; i++) {
    const r = await call('POST', '/api/v1/chat/completions', { model: 'text', messages: [{ role: 'user', content: 'no credits' }] });
    assert.equal(r.status, 402, r.text);
    sent.text++;
    sent.errors++;
  }
  await stack.reset();
}

/** Waits until the ledger's report counts every request sent (rows are written in the background). */
async function waitLedger(total) {
  const { from, to } = week();
  const deadline = Date.now() + WAIT;
  let last;
  while (Date.now() < deadline) {
    last = await callJSON('GET', `/api/v1/usage?from=${from}&to=${to}&group_by=type`);
    if (last?.total?.requests >= total) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`the ledger counted ${JSON.stringify(last?.total)} after ${WAIT} ms, want ${total} requests`);
}

/** Money as the page shows it (components/usage/format.ts). */
function money(lang, x) {
  const a = Math.abs(x);
  const max = a === 0 || a >= 100 ? 2 : a >= 1 ? 4 : 6;
  return new Intl.NumberFormat(LOCALES[lang], { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: max }).format(x);
}
const count = (lang, n) => new Intl.NumberFormat(LOCALES[lang]).format(n);
const norm = (s) => s.replace(/[\u00a0\u202f]/g, ' ').trim();

/** A small CSV reader (RFC 4180 quotes). */
function parseCSV(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

/** Adds decimal strings exactly (as the ledger does), returning a decimal string. */
function sumDecimals(values) {
  const scale = Math.max(0, ...values.map((v) => (v.split('.')[1] ?? '').length));
  let total = 0n;
  for (const v of values) {
    if (v.trim() === '') continue;
    const neg = v.startsWith('-');
    const [i, f = ''] = v.replace('-', '').split('.');
    const n = BigInt(i + f.padEnd(scale, '0'));
    total += neg ? -n : n;
  }
  const s = total.toString().padStart(scale + 1, '0');
  return scale ? `${s.slice(0, -scale)}.${s.slice(-scale)}` : s;
}

async function openUsage(lang, viewport) {
  const context = await browser.newContext({ viewport: VIEWPORTS[viewport], locale: LOCALES[lang], acceptDownloads: true });
  await context.addInitScript(
    ([l, token]) => {
      localStorage.setItem('aimodels.lang', l);
      sessionStorage.setItem('aimodels.token', token);
    },
    [lang, stack.token],
  );
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  // Scrolled to the top first: a full-page shot of a scrolled page draws the sticky bar mid-page.
  page.shot = async (state, extra) => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(SHOTS, `usage-${state}-${lang}-${viewport}${extra ? '-' + extra : ''}.png`), fullPage: true });
  };
  return { context, page };
}

/** The page must not scroll sideways. */
async function assertNoHorizontalOverflow(page, what) {
  const { sw, cw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
  assert.ok(sw <= cw, `${what}: the page is ${sw}px wide in a ${cw}px viewport`);
}

/** Picks the 7-day period and waits for its charts (7 day rows in the spend table). */
async function choose7Days(page, lang) {
  await page.getByRole('radio', { name: lang === 'ru' ? '7 дней' : '7 days' }).check();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="chart-spend-table"] tbody tr').length === 7);
}

/** The rows of the table inside a test id, cells joined by " | ". */
async function tableRows(page, testId) {
  return (
    await page.locator(`[data-testid="${testId}"] table tr`).evaluateAll((trs) =>
      trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim()).join(' | ')),
    )
  ).map(norm);
}

// The suite as a whole may take longer than one test's timeout on a loaded machine.
describe('usage page', { concurrency: false, timeout: 900_000 }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack();
    await callJSON('PUT', '/api/v1/settings/api-keys/openrouter', { key: stack.key });
    await callJSON('PUT', '/api/v1/settings/openrouter/selection', { text: 'openai/gpt-4o-mini', audio: 'openai/whisper-1' });
    browser = await launchChromium();
  });

  after(() => closeAll(browser, stack));

  it('shows the loading state while the reports are on their way', async () => {
    for (const lang of ['en', 'ru']) {
      const { context, page } = await openUsage(lang, 'desktop');
      let release;
      const held = new Promise((r) => (release = r));
      await page.route(/\/api\/v1\/usage\?/, async (route) => {
        await held;
        await route.continue();
      });
      await page.goto(stack.base + '/settings/usage');
      await page.getByTestId('usage-loading').waitFor();
      await page.shot('loading');
      release();
      await page.getByTestId('usage-loading').waitFor({ state: 'detached' });
      await context.close();
    }
  });

  it('says there is no traffic yet, in both languages, on a desktop and a phone', async () => {
    for (const lang of ['en', 'ru']) {
      for (const viewport of ['desktop', 'phone']) {
        const { context, page } = await openUsage(lang, viewport);
        await page.goto(stack.base + '/settings/usage');
        await page.getByTestId('usage-empty').waitFor();
        await page.getByText(lang === 'ru' ? 'Запросов пока нет.' : 'No requests yet.').waitFor();
        await assertNoHorizontalOverflow(page, `empty ${lang} ${viewport}`);
        await page.shot('empty');
        await context.close();
      }
    }
  });

  it('sends chat, stream and transcription traffic that the ledger counts and prices', async () => {
    await sendTraffic();
    const total = sent.text + sent.audio;
    const report = await waitLedger(total);
    assert.equal(report.total.requests, total);
    assert.equal(report.total.errors, sent.errors);
    assert.equal(report.total.errors_by_kind?.insufficient_credits, sent.errors);
    // The ledger's cost is what OpenRouter reported for each request.
    assert.equal(money('en', report.total.cost), money('en', sent.cost), `ledger ${report.total.cost}, sent ${sent.cost}`);
  });

  for (const lang of ['en', 'ru']) {
    for (const viewport of ['desktop', 'phone']) {
      it(`shows the traffic's figures in the charts' text alternatives (${lang}, ${viewport})${viewport === 'desktop' ? ' and exports the same totals' : ''}`, async () => {
        assert.ok(sent.text > 0, 'the traffic test ran first');
        const total = sent.text + sent.audio;
        const { context, page } = await openUsage(lang, viewport);
        await page.goto(stack.base + '/settings/usage');
        await choose7Days(page, lang);
        await page.getByTestId('chart-spend').waitFor();

        // The headline figures.
        assert.equal(norm(await page.getByTestId('figure-requests').locator('dd').innerText()), count(lang, total));
        assert.match(norm(await page.getByTestId('figure-errors').locator('dd').innerText()), new RegExp(`^${count(lang, sent.errors)}\\b`));
        const pageSpend = norm(await page.getByTestId('figure-spend').locator('dd').innerText());
        assert.equal(pageSpend, norm(money(lang, sent.cost)));

        // Each chart's table (in the DOM for screen readers; shown with its toggle).
        const spend = await tableRows(page, 'chart-spend-table');
        assert.equal(spend.length, 1 + 7 + 1, spend.join('\n'));
        assert.equal(spend.at(-1).split(' | ').at(-1), pageSpend, spend.at(-1));
        const typeText = lang === 'ru' ? 'Текст' : 'Text';
        const typeAudio = lang === 'ru' ? 'Аудио' : 'Audio';
        assert.ok(spend[0].includes(typeText) && spend[0].includes(typeAudio), spend[0]);

        const req = await tableRows(page, 'chart-requests-table');
        assert.equal(req.at(-1).split(' | ').slice(1).join(' | '), `${count(lang, total)} | ${count(lang, sent.errors)}`);
        const todayRow = req.at(-2).split(' | ');
        assert.deepEqual(todayRow.slice(1), [count(lang, total), count(lang, sent.errors)], req.at(-2));

        // Top models: the server's model report, row for row (a stream is served by the model its fixture names).
        const { from, to } = week();
        const byModel = await callJSON('GET', `/api/v1/usage?from=${from}&to=${to}&group_by=model`);
        const models = (await tableRows(page, 'chart-models-table')).slice(1);
        assert.equal(models.length, byModel.groups.length, models.join('\n'));
        assert.equal(byModel.groups.reduce((a, g) => a + g.requests, 0), total);
        for (const g of byModel.groups) {
          const row = models.find((r) => r.startsWith(`${g.model} |`));
          assert.ok(row, `${g.model} not in ${models.join('\n')}`);
          const cells = row.split(' | ');
          assert.equal(cells[1], norm(money(lang, g.cost)), row);
          assert.equal(cells[3], count(lang, g.requests), row);
        }
        const whisper = models.find((r) => r.startsWith('openai/whisper-1 |'));
        assert.ok(whisper && whisper.endsWith(` | ${count(lang, sent.audio)}`), models.join('\n'));

        const lat = (await tableRows(page, 'chart-latency-table')).slice(1);
        assert.ok(lat.some((r) => r.startsWith(`${typeText} |`) && r.endsWith(` | ${count(lang, sent.text)}`)), lat.join('\n'));
        assert.ok(lat.some((r) => r.startsWith(`${typeAudio} |`) && r.endsWith(` | ${count(lang, sent.audio)}`)), lat.join('\n'));
        assert.ok(lat.every((r) => /\d/.test(r.split(' | ')[1])), lat.join('\n'));

        // The balance was fetched (the page asks for it), so the days left are said.
        await page.getByTestId('days-left').waitFor();
        assert.match(norm(await page.getByTestId('days-left').innerText()), /\S/);

        // The recent requests: every request, newest first; the failed one says its kind.
        const rows = page.locator('[data-testid="requests-table"] tbody tr');
        await rows.first().waitFor();
        assert.equal(await rows.count(), total);
        assert.equal(await page.locator('[data-testid="requests-table"] tbody tr[data-outcome="insufficient_credits"]').count(), sent.errors);
        // ...in words of the page's language, in the row, the outcome filter and the errors by kind, never as its code.
        const outOfCredits = lang === 'ru' ? 'Нет кредитов' : 'Out of credits';
        assert.equal(norm(await page.locator('[data-testid="requests-table"] tbody tr[data-outcome="insufficient_credits"] .pill').first().innerText()), outOfCredits);
        const outcomeOptions = await page.getByLabel(lang === 'ru' ? 'Итог' : 'Outcome', { exact: true }).locator('option').allInnerTexts();
        assert.ok(outcomeOptions.map(norm).includes(outOfCredits), outcomeOptions.join(', '));
        assert.match(norm(await page.locator('.error-kinds').innerText()), new RegExp(outOfCredits));
        assert.doesNotMatch(norm(await page.locator('main').innerText()), /insufficient_credits/);
        // Filter: audio only.
        await page.getByLabel(lang === 'ru' ? 'Тип' : 'Type', { exact: true }).selectOption('audio');
        await page.waitForFunction((n) => document.querySelectorAll('[data-testid="requests-table"] tbody tr').length === n, sent.audio);
        await page.getByLabel(lang === 'ru' ? 'Тип' : 'Type', { exact: true }).selectOption('');
        await page.waitForFunction((n) => document.querySelectorAll('[data-testid="requests-table"] tbody tr').length === n, total);

        await assertNoHorizontalOverflow(page, `data ${lang} ${viewport}`);
        await page.shot('data');

        // The figures shown with their toggles.
        const show = page.getByRole('button', { name: lang === 'ru' ? 'Показать цифры' : 'Show figures' });
        const toggles = await show.count();
        assert.equal(toggles, 5, 'a toggle per chart');
        // A toggle, once pressed, says "Hide figures": the first one left is always the next.
        for (let i = 0; i < toggles; i++) await show.first().click();
        assert.equal(await page.locator('.chart-table').count(), toggles);
        await assertNoHorizontalOverflow(page, `tables ${lang} ${viewport}`);
        await page.shot('data', 'tables');

        // The CSV export: fetched with the token, saved as a file with the same totals.
        if (viewport === 'desktop') {
          const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
          assert.match(download.suggestedFilename(), /^aimodels-usage-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
          const csv = parseCSV(readFileSync(await download.path(), 'utf8'));
          const head = csv[0].map((h) => h.trim().toLowerCase());
          const costCol = head.indexOf('cost');
          assert.ok(costCol >= 0, `no cost column in ${head}`);
          const body = csv.slice(1);
          assert.equal(body.length, total, `CSV rows ${body.length}, page ${total}`);
          const csvCost = sumDecimals(body.map((r) => r[costCol] ?? ''));
          assert.equal(norm(money(lang, Number(csvCost))), pageSpend, `CSV cost ${csvCost}`);
          const outCol = head.indexOf('outcome');
          if (outCol >= 0) assert.equal(body.filter((r) => r[outCol] !== 'ok').length, sent.errors);
        }
        await context.close();
      });
    }
  }
});
