// A bench-like script, not a unit test: the time to the first rendered model
// list and the latency of keystrokes in the text model search with a catalog
// of at least 500 text models, at 4x CPU throttling (Chromium's
// Emulation.setCPUThrottlingRate), against the real server and the fake
// OpenRouter. It prints the figures and fails only past generous bounds.
//
//   AIMODELS_BIN=… FAKE_OPENROUTER_BIN=… node bench.mjs
//   BENCH_MODE=legacy  the seed's picker ("Change model" and a combobox)
//   BENCH_RUNS=5       page loads measured per setting
//   BENCH_VIEWPORT=phone  390×844 instead of 1440×900
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launchChromium, startStack } from './harness.mjs';

const FIXTURE = process.env.BENCH_MODELS_FIXTURE || '/work/shared/fixtures/openrouter/models-all-2026-08-19.json';
const LEGACY = process.env.BENCH_MODE === 'legacy';
const RUNS = Number(process.env.BENCH_RUNS || 5);
const LIST = LEGACY ? 'section.picker[data-type="text"] .current .model-name' : '[data-testid="model-row"]';
// The seed showed its choice cards on /settings/models; the table opens its list with ?type=text.
const FIRST_URL = LEGACY ? '/settings/models' : '/settings/models?type=text';

/** The fixture's catalog plus copies of its text models, so that the text list holds at least 500. */
export function benchCatalog(path = FIXTURE, want = 500) {
  const all = JSON.parse(readFileSync(path, 'utf8'));
  const text = all.data.filter((m) => (m.architecture?.output_modalities ?? []).includes('text'));
  const extra = [];
  for (let i = 0; text.length + extra.length < want + 20; i++) {
    const m = text[i % text.length];
    const n = Math.floor(i / text.length) + 2;
    extra.push({ ...m, id: `${m.id}-copy${n}`, canonical_slug: `${m.canonical_slug}-copy${n}`, name: `${m.name} (copy ${n})` });
  }
  return JSON.stringify({ data: [...all.data, ...extra] });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const median = (xs) => pct(xs, 50);

async function main() {
  const stack = await startStack();
  const browser = await launchChromium();
  try {
    await stack.fault('GET /models', 200, { body: benchCatalog() });
    const auth = { Authorization: `Bearer ${stack.token}`, 'Content-Type': 'application/json' };
    let res = await fetch(`${stack.base}/api/v1/settings/api-keys/openrouter`, { method: 'PUT', headers: auth, body: JSON.stringify({ key: stack.key }) });
    assert.equal(res.status, 200, `save key: ${res.status}`);
    res = await fetch(`${stack.base}/api/v1/settings/openrouter/models?refresh=true`, { headers: auth });
    const cat = await res.json();
    const nText = cat.text.length;
    assert.ok(nText >= 500, `text models: ${nText}`);

    const vp = process.env.BENCH_VIEWPORT === 'phone' ? { width: 390, height: 844 } : { width: 1440, height: 900 };
    const context = await browser.newContext({ viewport: vp, locale: 'en-US' });
    await context.addInitScript((token) => sessionStorage.setItem('aimodels.token', token), stack.token);
    // Records when the list's first element appears, from the navigation's start.
    await context.addInitScript((sel) => {
      const check = () => {
        if (window.__firstList === undefined && document.querySelector(sel)) window.__firstList = performance.now();
      };
      new MutationObserver(check).observe(document, { childList: true, subtree: true, characterData: true });
    }, LIST);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);

    const firstList = {};
    for (const rate of [1, 4]) {
      await cdp.send('Emulation.setCPUThrottlingRate', { rate });
      const xs = [];
      for (let i = 0; i < RUNS; i++) {
        await page.goto(stack.base + FIRST_URL);
        await page.waitForFunction(() => window.__firstList !== undefined, null, { timeout: 60000 });
        xs.push(await page.evaluate(() => window.__firstList));
      }
      firstList[rate] = xs;
    }

    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    await page.goto(`${stack.base}/settings/models?type=text`);
    let search;
    if (LEGACY) {
      const section = page.locator('section.picker[data-type="text"]');
      await section.getByRole('button', { name: 'Change model' }).click();
      search = section.getByRole('combobox');
    } else {
      search = page.getByRole('searchbox', { name: /Search text models/ });
    }
    await search.waitFor();
    await search.focus();
    // From each keydown to the frame after React handled it.
    await page.evaluate(() => {
      window.__lat = [];
      document.addEventListener(
        'keydown',
        (e) => {
          const t0 = e.timeStamp;
          requestAnimationFrame(() => setTimeout(() => window.__lat.push(performance.now() - t0), 0));
        },
        true,
      );
    });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    const keys = [...'claude sonnet', ...Array(13).fill('Backspace'), ...'gpt 4o mini', ...Array(11).fill('Backspace')];
    keys.push(...Array(20).fill('ArrowDown'), ...Array(10).fill('ArrowUp'));
    let n = 0;
    for (const k of keys) {
      await page.keyboard.press(k === ' ' ? 'Space' : k);
      n++;
      await page.waitForFunction((want) => window.__lat.length >= want, n, { timeout: 30000 });
    }
    const lat = await page.evaluate(() => window.__lat);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });

    const js = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((e) => e.name.endsWith('.js'))
        .map((e) => ({ name: e.name.split('/').pop(), transfer: e.transferSize, body: e.decodedBodySize })),
    );
    const report = {
      mode: LEGACY ? 'legacy' : 'table',
      text_models: nText,
      first_list_ms: Object.fromEntries(Object.entries(firstList).map(([r, xs]) => [`cpu_x${r}`, { median: Math.round(median(xs)), runs: xs.map(Math.round) }])),
      keystroke_ms_cpu_x4: { n: lat.length, p50: Math.round(median(lat)), p95: Math.round(pct(lat, 95)), max: Math.round(Math.max(...lat)) },
      js,
    };
    console.log(JSON.stringify(report, null, 2));
    // Generous, a guard against regressions only: the goal is 50 ms, which this does not prove (see the report).
    assert.ok(pct(lat, 95) < Number(process.env.BENCH_P95_BOUND || 400), `keystroke p95 ${pct(lat, 95)} ms`);
  } finally {
    await browser.close().catch(() => {});
    await stack.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
