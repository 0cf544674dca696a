/**
 * The page in headless Chromium (Debian's chromium, installed by .ci/run; CHROMIUM_PATH overrides): what a
 * person sees once spans and log records reach the view.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningView } from '../../src/view/index.js';
import { REPO_ROOT } from '../support/helpers.js';
import { viewInChromium } from './chromium.js';
import { HOSTILE } from './support.js';

const OK_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const ERR_TRACE = '5bf92f3577b34da6a3ce929d0e0e4737';
const T0 = 1_700_000_000_000_000_000n;

const kv = (key: string, value: string | number) => ({
  key,
  value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
});

function spanJson(traceId: string, spanId: string, name: string, opts: Record<string, unknown> = {}) {
  return {
    traceId,
    spanId,
    name,
    kind: 2,
    startTimeUnixNano: String(T0),
    endTimeUnixNano: String(T0 + 30_000_000n),
    ...opts,
  };
}

function resourceSpans(service: string, spans: object[]) {
  return { resource: { attributes: [kv('service.name', service)] }, scopeSpans: [{ scope: { name: 'e2e' }, spans }] };
}

async function post(view: RunningView, signal: string, body: object): Promise<void> {
  const res = await fetch(`${view.receiver.httpEndpoint}/v1/${signal}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

async function sendTelemetry(view: RunningView): Promise<void> {
  await post(view, 'traces', {
    resourceSpans: [
      resourceSpans('shop', [
        spanJson(OK_TRACE, '00f067aa0ba902b7', 'GET /items/{id}', {
          attributes: [kv('http.route', '/items/{id}'), kv('http.response.status_code', 200)],
        }),
        spanJson(OK_TRACE, '10f067aa0ba902b7', 'load item', {
          kind: 1,
          parentSpanId: '00f067aa0ba902b7',
          startTimeUnixNano: String(T0 + 5_000_000n),
          endTimeUnixNano: String(T0 + 25_000_000n),
        }),
      ]),
      resourceSpans(HOSTILE, [
        spanJson(ERR_TRACE, '20f067aa0ba902b7', HOSTILE, {
          attributes: [kv('http.route', '/fail'), kv('http.response.status_code', 500), kv('evil', HOSTILE)],
          status: { code: 2, message: 'boom' },
        }),
      ]),
    ],
  });
  await post(view, 'logs', {
    resourceLogs: [
      {
        resource: { attributes: [kv('service.name', 'shop')] },
        scopeLogs: [
          {
            scope: { name: 'app' },
            logRecords: [
              {
                traceId: OK_TRACE,
                spanId: '10f067aa0ba902b7',
                severityNumber: 9,
                severityText: 'INFO',
                body: { stringValue: 'item 42 loaded' },
              },
              { traceId: ERR_TRACE, spanId: '20f067aa0ba902b7', severityNumber: 17, body: { stringValue: HOSTILE } },
            ],
          },
        ],
      },
    ],
  });
}

let browser: Browser;
let page: Page;
let view: RunningView;
beforeAll(async () => {
  ({ view, browser, page } = await viewInChromium());
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await view?.close();
});

const texts = (selector: string) => page.$$eval(selector, (els) => els.map((e) => (e as HTMLElement).innerText));

describe('the live view page', () => {
  it('shows new traces without a reload', async () => {
    await page.goto(view.page.url);
    await page.waitForSelector('[data-testid=stats]');
    await sendTelemetry(view);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-row]').length === 2, {
      timeout: 5000,
    });
    // The SSE stream delivered it: the page never navigated.
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
  });

  it('renders hostile values as text, never as markup', async () => {
    expect(await page.evaluate(() => document.querySelectorAll('#app img').length)).toBe(0);
    expect((await texts('[data-testid=trace-row]')).join('\n')).toContain(HOSTILE);
    await page.click(`[data-trace-id="${ERR_TRACE}"]`);
    await page.waitForSelector('[data-testid=span-row]');
    await page.click('[data-testid=span-row]');
    await page.waitForSelector('[data-testid=span-details]');
    const shown = await page.$eval('[data-testid=trace-page]', (e) => (e as HTMLElement).innerText);
    // Span name, attribute, log body and service name, each as the literal text.
    expect(shown.split(HOSTILE).length - 1).toBeGreaterThanOrEqual(4);
    expect(await page.evaluate(() => document.querySelectorAll('#app img').length)).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it('draws the waterfall in tree order with each log record under its span', async () => {
    await page.goto(`${view.page.url}#/trace/${OK_TRACE}`);
    await page.waitForSelector('[data-testid=span-row]');
    expect(await texts('[data-testid=span-row] .name')).toEqual(['GET /items/{id}', 'load item']);
    const logUnder = await page.$$eval('[data-testid=span-row]', (rows) =>
      rows.map((r) => (r.parentElement?.querySelector('[data-testid=log-row]') as HTMLElement | null)?.innerText ?? ''),
    );
    expect(logUnder[0]).toBe('');
    expect(logUnder[1]).toContain('item 42 loaded');
    if (process.env.UPDATE_SCREENSHOTS) await shoot('view-trace.png');
  });

  it('shows only the failing request with the errors filter', async () => {
    await page.goto(`${view.page.url}#/`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-row]').length === 2);
    if (process.env.UPDATE_SCREENSHOTS) await shoot('view-list.png');
    await page.click('[data-testid=filter-errors]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-row]').length === 1);
    const ids = await page.$$eval('[data-testid=trace-row]', (rows) =>
      rows.map((r) => r.getAttribute('data-trace-id')),
    );
    expect(ids).toEqual([ERR_TRACE]);
  });
});

async function shoot(name: string): Promise<void> {
  mkdirSync(path.join(REPO_ROOT, 'docs'), { recursive: true });
  await page.screenshot({ path: path.join(REPO_ROOT, 'docs', name) as `${string}.png` });
}
