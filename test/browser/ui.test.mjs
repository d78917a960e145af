// Browser tests of the aimodels settings UI: the real server binary against
// the fake OpenRouter, driven with playwright-core in the system Chromium.
// Environment: AIMODELS_BIN, FAKE_OPENROUTER_BIN (required),
// FAKE_OPENROUTER_KEY, CHROMIUM_PATH (optional). See run.sh.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { closeAll, launchChromium, startStack } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(here, 'screenshots');
const WAIT = 20000;

const PICKS = {
  text: 'openai/gpt-4o-mini',
  image: 'openai/gpt-4o',
  audio: 'openai/whisper-1',
};

let stack;
let browser;
let context;
let page;

async function shot(name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Waits until the locator's text matches re. */
async function waitText(locator, re, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    try {
      last = (await locator.innerText({ timeout: 1000 })) ?? '';
      if (re.test(last)) return last;
    } catch {
      /* not there yet */
    }
    await page.waitForTimeout(100);
  }
  assert.fail(`expected ${re} in ${locator}, last text: ${JSON.stringify(last)}`);
}

async function testConnection() {
  await page.getByRole('button', { name: /^(Test connection|Проверить подключение)$/ }).click();
  return waitText(page.getByTestId('test-result'), /\S/, 45000);
}

describe('aimodels settings UI', { concurrency: false }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
  });

  after(() => closeAll(browser, stack));

  it('takes the token from the URL fragment and removes it from the address bar', async () => {
    await page.goto(`${stack.base}/#token=${stack.token}`);
    await page.waitForURL((u) => u.pathname === '/settings/models');
    assert.ok(!page.url().includes(stack.token), `token still in URL: ${page.url()}`);
    assert.ok(!page.url().includes('#'), `fragment still in URL: ${page.url()}`);
    const stored = await page.evaluate(() => sessionStorage.getItem('aimodels.token'));
    assert.equal(stored, stack.token);
    await page.getByRole('heading', { level: 1, name: 'AI models' }).waitFor();
  });

  it('stores the OpenRouter key without leaving the plaintext in the page', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.waitForURL((u) => u.pathname === '/settings/api-keys');
    const input = page.getByLabel('OpenRouter API key');
    assert.equal(await input.getAttribute('type'), 'password');
    assert.equal(await input.getAttribute('autocomplete'), 'off');
    await input.fill(stack.key);
    await page.getByRole('button', { name: /^(Save key|Replace key)$/ }).click();
    // "Key saved." alone from a server that does not verify keys; with the verdict after it from one that does.
    await waitText(page.getByTestId('key-flash'), /^Key saved\./);
    await waitText(page.getByTestId('masked-key'), /\S/);
    const masked = await page.getByTestId('masked-key').innerText();
    assert.notEqual(masked, stack.key);
    assert.equal(await input.inputValue(), '');

    const html = await page.content();
    assert.ok(!html.includes(stack.key), 'plaintext key found in page HTML');
    const values = await page.$$eval('input, textarea', (els) => els.map((e) => e.value));
    assert.ok(!values.some((v) => v.includes(stack.key)), 'plaintext key found in an input value');
    await page.getByRole('button', { name: 'Replace key' }).waitFor();
  });

  it('tests the connection successfully', async () => {
    const text = await testConnection();
    assert.match(text, /Connection successful/);
    await shot('en-api-keys');
  });

  it('picks a model per type and sees each saved', async () => {
    await page.getByRole('link', { name: 'AI models' }).click();
    await page.waitForURL((u) => u.pathname === '/settings/models');
    for (const [type, id] of Object.entries(PICKS)) {
      const card = page.getByTestId(`type-card-${type}`);
      await card.getByRole('button', { name: `Choose ${type} model` }).click();
      const table = page.getByTestId('model-table');
      await table.getByRole('checkbox', { name: 'Show variants' }).check();
      await table.getByRole('searchbox').fill(id);
      const option = table.locator(`[role="option"][data-model-id="${id}"]`);
      await option.click();
      await waitText(card.locator('.save-state'), /^Saved$/);
      await waitText(card.getByTestId('current'), new RegExp(id.replace(/[/.]/g, '\\$&')));
    }
  });

  it('keeps the picks after a reload', async () => {
    await page.reload();
    for (const [type, id] of Object.entries(PICKS)) {
      const current = page.getByTestId(`type-card-${type}`).getByTestId('current');
      await waitText(current, new RegExp(id.replace(/[/.]/g, '\\$&')));
    }
  });

  it('picks with the keyboard alone', async () => {
    const card = page.getByTestId('type-card-text');
    await card.getByRole('button', { name: 'Choose text model' }).focus();
    await page.keyboard.press('Enter');
    const search = page.getByTestId('model-table').getByRole('searchbox');
    await search.waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute('type') === 'search');
    await page.keyboard.type('claude haiku');
    // The list follows the search box at a lower priority: read it once it shows the whole query.
    await page.locator('[data-testid="model-table"][aria-busy="false"]').waitFor();
    const rows = page.getByTestId('model-table').getByTestId('model-row');
    await rows.first().waitFor();
    const second = await rows.nth(1).getAttribute('data-model-id');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator('.trow.active').getAttribute('data-model-id'), second);
    await page.keyboard.press('Enter');
    await waitText(card.locator('.save-state'), /^Saved$/);
    await waitText(card.getByTestId('current'), new RegExp(second.replace(/[/.]/g, '\\$&')));
    // Escape clears the search, a second Escape closes the list.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.getByTestId('model-table').waitFor({ state: 'detached' });
  });

  it('shows the balance from the fake account', async () => {
    const panel = page.locator('section.balance');
    await waitText(panel.getByTestId('balance-left'), /\$239\.26/);
    await waitText(panel.getByTestId('balance-spent'), /\$60\.74/);
    // The fixture's key has no limit and has spent nothing today, this week or this month.
    await panel.getByText('No spending limit on this key.').waitFor();
    assert.equal(await panel.getByRole('meter').count(), 0);
    const usage = panel.getByTestId('key-usage');
    await usage.waitFor();
    for (const period of ['Today', 'This week', 'This month']) {
      assert.ok(await usage.getByText(period, { exact: true }).isVisible(), `${period} not visible`);
    }
    assert.deepEqual(await usage.locator('dd').allInnerTexts(), ['$0.00', '$0.00', '$0.00']);
    await panel.getByRole('button', { name: 'Refresh balance' }).click();
    await waitText(panel.getByTestId('balance-left'), /\$239\.26/);
    await shot('en-models');
  });

  it('flags a stale catalog after a refresh that could not reach OpenRouter', async () => {
    await page.waitForTimeout(1100); // AIMODELS_CATALOG_TTL=1s
    await stack.fault('GET /models', 503);
    await page.getByRole('button', { name: 'Refresh catalog' }).click();
    await page.getByTestId('catalog-stale').waitFor({ timeout: 45000 });
    // The catalog is still there to choose from.
    await page.getByTestId('type-card-text').getByRole('button', { name: 'Choose text model' }).waitFor();
    await shot('en-models-stale');
    await stack.reset();
    await page.waitForTimeout(1100);
    await page.getByRole('button', { name: 'Refresh catalog' }).click();
    await page.getByTestId('catalog-stale').waitFor({ state: 'detached', timeout: 45000 });
  });

  it('says the account credits are unknown when /credits is refused', async () => {
    await stack.fault('GET /credits', 403);
    const panel = page.locator('section.balance');
    await panel.getByRole('button', { name: 'Refresh balance' }).click();
    await panel.getByText(/credits are unknown/).waitFor({ timeout: 45000 });
    await waitText(panel.getByTestId('balance-spent'), /this key has used/i);
    await waitText(panel.getByTestId('balance-left'), /unknown/i);
    await stack.reset();
    await panel.getByRole('button', { name: 'Refresh balance' }).click();
    await waitText(panel.getByTestId('balance-left'), /\$239\.26/);
  });

  it('creates, edits and deletes a prompt', async () => {
    await page.getByRole('link', { name: 'Prompts' }).click();
    await page.waitForURL((u) => u.pathname === '/settings/prompts');
    await page.getByRole('button', { name: 'New prompt' }).click();
    await page.getByLabel('Name').fill('Summarise');
    await page.getByLabel('Type', { exact: true }).selectOption('text');
    await page.getByLabel('Text', { exact: true }).fill('Summarise the text in three sentences.');
    await page.getByRole('button', { name: 'Create prompt' }).click();
    await page.getByText('Prompt created.').waitFor();
    await page.getByRole('heading', { name: 'Summarise', exact: true }).waitFor();

    await page.getByRole('button', { name: 'New prompt' }).click();
    await page.getByLabel('Name').fill('Describe');
    await page.getByLabel('Type', { exact: true }).selectOption('image');
    await page.getByLabel('Text', { exact: true }).fill('Describe the picture for someone who cannot see it.');
    await page.getByRole('button', { name: 'Create prompt' }).click();
    await page.getByRole('heading', { name: 'Describe', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Edit Summarise' }).click();
    await page.getByLabel('Text', { exact: true }).fill('Summarise the text in two sentences.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Summarise the text in two sentences.').waitFor();

    await page.getByRole('button', { name: 'New prompt' }).click();
    await page.getByLabel('Name').fill('Summarise');
    await page.getByLabel('Text', { exact: true }).fill('duplicate');
    await page.getByRole('button', { name: 'Create prompt' }).click();
    await page.getByText(/already exists/).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'New prompt' }).click();
    await page.getByLabel('Name').fill('Temporary');
    await page.getByLabel('Text', { exact: true }).fill('To be deleted.');
    await page.getByRole('button', { name: 'Create prompt' }).click();
    await page.getByRole('heading', { name: 'Temporary', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Delete Temporary' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Prompt deleted.').waitFor();
    await page.getByRole('heading', { name: 'Temporary', exact: true }).waitFor({ state: 'detached' });
    await shot('en-prompts');
  });

  it('says the key is invalid when OpenRouter refuses it', async () => {
    await stack.fault('GET /key', 401);
    await page.getByRole('link', { name: 'API keys' }).click();
    const text = await testConnection();
    assert.match(text, /rejected the key/);
  });

  it('says it is rate limited when OpenRouter answers 429', async () => {
    await stack.reset();
    await stack.fault('GET /key', 429, { retry_after: '1' });
    const text = await testConnection();
    assert.match(text, /rate limiting/);
    await stack.reset();
  });

  it('switches to Russian and keeps the choice', async () => {
    await page.getByLabel('Language').selectOption('ru');
    await page.getByRole('heading', { level: 1, name: 'API-ключи' }).waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('aimodels.lang')), 'ru');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ru');
    await testConnection();
    await shot('ru-api-keys');

    await page.getByRole('link', { name: 'Модели ИИ' }).click();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Модели ИИ' }).waitFor();
    // Russian money format: "239,26 $".
    await waitText(page.getByTestId('balance-left'), /239,26\s\$/);
    const text = page.getByTestId('type-card-text');
    await text.getByRole('button', { name: 'Выбрать модель: Текст' }).click();
    await page.getByTestId('model-table').getByRole('searchbox').fill('openai/gpt-4o');
    await shot('ru-models');
    await page.getByRole('button', { name: 'Закрыть список: Текст' }).click();

    await page.getByRole('link', { name: 'Промпты' }).click();
    await page.getByRole('heading', { name: 'Summarise', exact: true }).waitFor();
    await shot('ru-prompts');

    await page.getByLabel('Язык').selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'Prompts' }).waitFor();
  });

  it('opens each tab by deep link', async () => {
    for (const [path, heading] of [
      ['/settings/api-keys', 'API keys'],
      ['/settings/models', 'AI models'],
      ['/settings/prompts', 'Prompts'],
    ]) {
      await page.goto(stack.base + path);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    }
  });

  it('returns to the token screen when the server refuses the token', async () => {
    await page.evaluate(() => sessionStorage.setItem('aimodels.token', 'wrong-token'));
    await page.goto(stack.base + '/settings/models');
    await page.getByText('The token was not accepted').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('aimodels.token')), null);
    await shot('en-token');
    await page.getByLabel('Admin token').fill(stack.token);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { level: 1, name: 'AI models' }).waitFor();
    await waitText(page.getByTestId('type-card-audio').getByTestId('current'), /openai\/whisper-1/);
  });

  it('deletes the key after confirming, and then has no key to test', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Delete key' }).click();
    let dialog = page.getByRole('alertdialog', { name: 'Delete the OpenRouter key?' });
    await dialog.waitFor();
    // Escape cancels and keeps the key.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('masked-key').waitFor();

    await page.getByRole('button', { name: 'Delete key' }).click();
    dialog = page.getByRole('alertdialog', { name: 'Delete the OpenRouter key?' });
    await shot('en-api-keys-delete');
    await dialog.getByRole('button', { name: 'Delete key' }).click();
    await page.getByText('Key deleted.').waitFor();
    await waitText(page.getByTestId('key-state'), /No key saved yet/);
    const text = await testConnection();
    assert.match(text, /no key to test/);
  });
});
