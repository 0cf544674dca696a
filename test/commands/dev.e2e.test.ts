/**
 * `dev` as a person uses it, per framework (one table, a suite per row): a generated service started by the
 * CLI, requests sent to it, and what the page shows in headless Chromium (Debian's chromium; CHROMIUM_PATH
 * overrides); a route added while it runs (the server's reloader); Ctrl-C flushing the last request and
 * leaving nothing running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceFramework } from '../../src/catalog/frameworks/index.js';
import { freePort } from '../../src/smoke/service.js';
import { type Dev, startDev } from '../support/dev.js';
import { CLI, REPO_ROOT, runCli, scratchDir } from '../support/helpers.js';
import { launchChromium } from '../view/chromium.js';
import { HOSTILE } from '../view/support.js';

interface DevCase {
  framework: string;
  /** The file a person edits to add a route, and the edit: GET `route` (e.g. /fail) answers 500. */
  failingRoute: { file: string; edit: (text: string, route: string) => string };
  /** Also run with --no-reload: one row per kind of server (uvicorn, gunicorn, node), to keep the file fast. */
  plain?: true;
}

/** A Node app's createApp() with a failing route (a handler of the given head) before it returns the app. */
const addNodeRoute = (head: string) => (text: string, route: string) =>
  text.replace(
    '  return app;\n}',
    `  app.get('${route}', ${head}\n    throw new Error('failing on purpose');\n  });\n\n  return app;\n}`,
  );
/** A failing route added at the end of a Python module (`code` gets the route, the function's name). */
const appendPython = (code: (route: string, name: string) => string) => (text: string, route: string) =>
  `${text}\n\n${code(route, `fail_${route.slice(1)}`)}\n`;
const pyRoute = appendPython(
  (route, name) => `@app.get("${route}")\ndef ${name}():\n    raise RuntimeError("failing on purpose")`,
);

const CASES: DevCase[] = [
  { framework: 'fastapi', failingRoute: { file: 'app/main.py', edit: pyRoute }, plain: true },
  { framework: 'flask', failingRoute: { file: 'app/main.py', edit: pyRoute } },
  {
    framework: 'django',
    plain: true,
    failingRoute: {
      file: 'app/urls.py',
      edit: appendPython(
        (route, name) =>
          `def ${name}(request):\n    raise RuntimeError("failing on purpose")\n\n\nurlpatterns += [path("${route.slice(1)}", ${name})]`,
      ),
    },
  },
  {
    framework: 'starlette',
    failingRoute: {
      file: 'app/main.py',
      edit: (text, route) =>
        text.replace(
          '        Route("/process/{item_id}", process_item, methods=["GET"]),\n',
          `        Route("/process/{item_id}", process_item, methods=["GET"]),\n        Route("${route}", lambda request: 1 / 0),\n`,
        ),
    },
  },
  { framework: 'express', failingRoute: { file: 'src/app.ts', edit: addNodeRoute('() => {') }, plain: true },
  { framework: 'fastify', failingRoute: { file: 'src/app.ts', edit: addNodeRoute('async () => {') } },
];

/** Adds the failing route `route` to the project's source. */
function addFailingRoute(dir: string, { file, edit }: DevCase['failingRoute'], route: string): void {
  const target = path.join(dir, file);
  const before = readFileSync(target, 'utf8');
  const after = edit(before, route);
  expect(after).not.toBe(before);
  writeFileSync(target, after);
}

// CTS_DEV_FRAMEWORKS=fastapi,express runs only those rows (the others are neither generated nor run).
const only = process.env.CTS_DEV_FRAMEWORKS?.split(',');
const RUN = CASES.filter((c) => !only || only.includes(c.framework));

const root = scratchDir('cts-e2e-dev-');
let browser: Browser;
const generated = new Map<string, Promise<string>>();

/** Generates and installs the project (no smoke test: `dev` is what is tested); its directory. */
async function generate(framework: string): Promise<string> {
  const dir = `${framework}-svc`;
  const r = await runCli([dir, '--yes', '--framework', framework, '--no-smoke'], { cwd: root, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`create ${framework} failed:\n${r.stdout}\n${r.stderr}`);
  return path.join(root, dir);
}

beforeAll(async () => {
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'view', 'page.js'))) throw new Error('run npm run build first');
  // Two installs at a time: the machine has two cores, and each install mostly waits on the network.
  for (const [i, c] of RUN.entries()) {
    const before = i >= 2 ? generated.get(RUN[i - 2]!.framework)!.catch(() => '') : Promise.resolve('');
    generated.set(
      c.framework,
      before.then(() => generate(c.framework)),
    );
  }
  for (const p of generated.values()) p.catch(() => {});
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

/** A new W3C trace id, sent as the request's parent so that the test knows which trace it made. */
const newTraceId = () => randomBytes(16).toString('hex');

async function request(
  dev: Dev,
  urlPath: string,
  traceId = newTraceId(),
): Promise<{ status: number; traceId: string }> {
  const res = await fetch(`http://127.0.0.1:${dev.servicePort}${urlPath}`, {
    headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
  });
  await res.arrayBuffer();
  return { status: res.status, traceId };
}

/** Processes whose working directory is inside `dir`: what the service left running. */
function processesIn(dir: string): string[] {
  const left: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      // A zombie has exited already: it only waits to be reaped by its (new) parent.
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state !== 'Z' && (cwd === dir || cwd.startsWith(`${dir}/`)))
        left.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return left;
}

const rowIds = (page: Page) =>
  page.$$eval('[data-testid=trace-row]', (rows) => rows.map((r) => r.getAttribute('data-trace-id')));

describe.each(RUN)('dev on a generated $framework service', ({ framework, failingRoute, plain }) => {
  const descriptor = serviceFramework(framework);
  let dir: string;
  let dev: Dev;
  let page: Page;
  let okTrace: string;

  beforeAll(async () => {
    dir = await generated.get(framework)!;
    dev = await startDev(dir);
    page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 640 });
  }, 400_000);
  afterAll(async () => {
    await page?.close();
    dev?.child.kill('SIGKILL');
  });

  it('shows a request trace without a reload: the server span, its child, the log line under it', async () => {
    await page.goto(dev.pageUrl);
    await page.waitForSelector('[data-testid=stats]');
    const ok = await request(dev, `/process/${encodeURIComponent(HOSTILE)}`);
    expect(`${ok.status}`, dev.out()).toBe('200');
    okTrace = ok.traceId;
    await page.waitForSelector(`[data-trace-id="${okTrace}"]`, { timeout: 10_000 });
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);

    await page.click(`[data-trace-id="${okTrace}"]`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=span-row]').length === 2);
    const names = await page.$$eval('[data-testid=span-row] .name', (els) => els.map((e) => e.textContent ?? ''));
    expect(names).toEqual([descriptor.sample.serverSpanName, 'process_item_logic']);
    // The log record may land a moment after its span: it shows under the child once it did.
    await page.waitForFunction(
      () =>
        document
          .querySelectorAll('[data-testid=span-row]')[1]
          ?.parentElement?.querySelector('[data-testid=log-row]') !== null,
      { timeout: 10_000 },
    );
    const logUnder = await page.$$eval('[data-testid=span-row]', (rows) =>
      rows.map(
        (r) => (r.parentElement?.querySelector('[data-testid=log-row]') as HTMLElement | null)?.textContent ?? '',
      ),
    );
    // (The server span may have log records of its own, e.g. uvicorn's access log.)
    expect(logUnder[1]).toContain('processed item');
    expect(logUnder[0]).not.toContain('processed item');
    // The item id came from the URL: the child's attribute is shown as the literal text, never as markup.
    const rows = await page.$$('[data-testid=span-row]');
    await rows[1]!.click();
    await page.waitForSelector('[data-testid=span-details]');
    const shown = await page.$eval('[data-testid=trace-page]', (e) => e.textContent ?? '');
    expect(shown).toContain(HOSTILE);
    expect(await page.evaluate(() => document.querySelectorAll('#app img').length)).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it('reloads a route added while it runs; the errors filter shows only the failing request', async () => {
    // gunicorn's reloader takes a module's mtime when it first sees it loaded, once a second: a change
    // within a second of the first import (Django's URLconf: the first request) would be its baseline.
    await new Promise((r) => setTimeout(r, 1200));
    addFailingRoute(dir, failingRoute, '/fail');
    // Until the reloader restarted the app: 404 (or no answer while it restarts), then 500.
    const failed: string[] = [];
    const deadline = Date.now() + 30_000;
    while (failed.length === 0) {
      if (Date.now() > deadline) throw new Error(`the edit was not picked up within 30 s:\n${dev.out()}`);
      await new Promise((r) => setTimeout(r, 500));
      const r = await request(dev, '/fail').catch(() => ({ status: 0, traceId: '' }));
      if (r.status === 500) failed.push(r.traceId);
    }
    const ok = await request(dev, '/process/after-reload');
    expect(ok.status, dev.out()).toBe(200);

    await page.goto(`${dev.pageUrl}#/`);
    await page.waitForSelector(`[data-trace-id="${ok.traceId}"]`, { timeout: 10_000 });
    await page.waitForSelector(`[data-trace-id="${failed[0]}"]`, { timeout: 10_000 });
    await page.click('[data-testid=filter-errors]');
    await page.waitForFunction((id) => !document.querySelector(`[data-trace-id="${id}"]`), {}, ok.traceId);
    expect(await rowIds(page)).toEqual(failed);
  });

  it('on Ctrl-C flushes the last request, exits, and leaves nothing running', async () => {
    const last = await request(dev, '/process/last');
    expect(last.status).toBe(200);
    // At once: the span still sits in the service's batch, which only its shutdown exports.
    dev.child.kill('SIGINT');
    const code = await Promise.race([dev.exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
    expect(code, dev.out()).toBe(130);
    const spanLines = readFileSync(dev.saved, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{"resourceSpans"'));
    expect(spanLines.some((l) => l.includes(`"traceId":"${last.traceId}"`))).toBe(true);
    expect(processesIn(dir)).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${dev.servicePort}/healthz`)).rejects.toThrow();
  });

  it.runIf(plain)(
    '--no-reload runs the plain start command on the source as it is now (a Node service built first)',
    async () => {
      addFailingRoute(dir, failingRoute, '/edited');
      const plain = await startDev(dir, ['--no-reload']);
      try {
        expect(plain.out()).not.toMatch(/--reload|--watch/);
        expect((await request(plain, '/edited')).status, plain.out()).toBe(500);
        plain.child.kill('SIGINT');
        expect(await plain.exited).toBe(130);
        expect(processesIn(dir)).toEqual([]);
      } finally {
        plain.child.kill('SIGKILL');
      }
    },
  );
});
