// Starts the fake OpenRouter and the aimodels server for the browser tests,
// and stops them again. Only loopback addresses are used.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

export const DEFAULT_FAKE_KEY = 'sk-or-v1-test-0123456789abcdef0123456789abcdef';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

// The viewports the screenshot tests run in.
export const VIEWPORTS = { desktop: { width: 1440, height: 900 }, phone: { width: 390, height: 844 } };

// launchChromium starts Debian's Chromium (or $CHROMIUM_PATH) headless.
export function launchChromium() {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

// closeAll closes the browser and stops the stack, whichever was started.
export async function closeAll(browser, stack) {
  await browser?.close().catch(() => {});
  await stack?.stop();
}

function requireEnv(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (see test/browser/run.sh)`);
  if (!existsSync(v)) throw new Error(`${name}=${v} does not exist`);
  return v;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function collect(child, label) {
  const lines = [];
  const keep = (stream) =>
    createInterface({ input: stream }).on('line', (l) => {
      lines.push(l);
      if (lines.length > 200) lines.shift();
      if (process.env.BROWSER_TEST_VERBOSE) console.error(`[${label}] ${l}`);
    });
  keep(child.stderr);
  return lines;
}

function startFake(bin, key) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['-addr', '127.0.0.1:0', '-key', key], { stdio: ['ignore', 'pipe', 'pipe'] });
    const logs = collect(child, 'fake');
    const timer = setTimeout(() => reject(new Error('fake OpenRouter did not start in 15s:\n' + logs.join('\n'))), 15000);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`fake OpenRouter exited (${code}):\n` + logs.join('\n'))));
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (line) => {
      clearTimeout(timer);
      const m = /^LISTENING (\S+)/.exec(line.trim());
      if (!m) return reject(new Error('unexpected first line from fake OpenRouter: ' + line));
      const apiURL = m[1].replace(/\/$/, '');
      resolve({ child, apiURL, origin: new URL(apiURL).origin, logs });
    });
  });
}

async function waitHealthy(base, child, logs, ms = 30000) {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`aimodels exited (${child.exitCode}):\n${logs.join('\n')}`);
    try {
      const res = await fetch(base + '/healthz');
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`aimodels /healthz not 200 after ${ms}ms (${last}):\n${logs.join('\n')}`);
}

/**
 * Starts both processes; returns handles and a stop() that ends them. catalogTTL is the server's catalog
 * cache time (1s by default, so a changed fake catalog is fetched soon; a test that must decide when the
 * server fetches the catalog again, by ?refresh=true only, gives a long one).
 */
export async function startStack({ catalogTTL = '1s' } = {}) {
  const aimodelsBin = requireEnv('AIMODELS_BIN');
  const fakeBin = requireEnv('FAKE_OPENROUTER_BIN');
  const key = process.env.FAKE_OPENROUTER_KEY || DEFAULT_FAKE_KEY;

  const fake = await startFake(fakeBin, key);
  const dataDir = mkdtempSync(join(tmpdir(), 'aimodels-browser-'));
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const addr = `127.0.0.1:${port}`;
  const args = (process.env.AIMODELS_ARGS ?? 'serve').split(' ').filter(Boolean);
  const server = spawn(aimodelsBin, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      AIMODELS_ADDR: addr,
      AIMODELS_DATA_DIR: dataDir,
      AIMODELS_ADMIN_TOKEN: token,
      AIMODELS_OPENROUTER_BASE_URL: fake.apiURL,
      AIMODELS_CATALOG_TTL: catalogTTL,
    },
  });
  const serverLogs = collect(server, 'aimodels');
  createInterface({ input: server.stdout }).on('line', (l) => {
    serverLogs.push(l);
    if (process.env.BROWSER_TEST_VERBOSE) console.error(`[aimodels] ${l}`);
  });
  const base = `http://${addr}`;
  try {
    await waitHealthy(base, server, serverLogs);
  } catch (e) {
    server.kill('SIGKILL');
    fake.child.kill('SIGKILL');
    throw e;
  }

  async function control(path, body) {
    const res = await fetch(fake.origin + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    if (!res.ok) throw new Error(`fake control ${path}: ${res.status} ${await res.text()}`);
  }

  async function stop() {
    for (const child of [server, fake.child]) {
      if (child.exitCode === null) {
        child.removeAllListeners('exit');
        child.kill('SIGTERM');
        await Promise.race([
          new Promise((r) => child.once('exit', r)),
          new Promise((r) => setTimeout(r, 3000)).then(() => child.kill('SIGKILL')),
        ]);
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  }

  return {
    base,
    token,
    key,
    serverLogs,
    fault: (route, status, extra = {}) => control('/_fake/fault', { route, status, ...extra }),
    reset: () => control('/_fake/reset'),
    stop,
  };
}
