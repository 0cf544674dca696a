/**
 * The page in headless Chromium (Debian's chromium, installed by .ci/run; CHROMIUM_PATH overrides): what a
 * person sees once spans and log records reach the view.
 */
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningView } from '../../src/view/index.js';
import { viewInChromium } from './chromium.js';
import { HOSTILE } from './support.js';

const OK_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const ERR_TRACE = '5bf92f3577b34da6a3ce929d0e0e4737';
// A request served without the framework's instrumentation: no route, the concrete path in its name.
const HINT_TRACE = '6bf92f3577b34da6a3ce929d0e0e4738';
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
      resourceSpans('shop', [
        spanJson(HINT_TRACE, '30f067aa0ba902b7', 'GET /orders/1234', {
          attributes: [kv('url.path', '/orders/1234'), kv('http.response.status_code', 200)],
          startTimeUnixNano: String(T0 - 1_000_000_000n),
          endTimeUnixNano: String(T0 - 990_000_000n),
        }),
      ]),
      // A request of the worker service, during which it logs without the trace.
      resourceSpans('worker', [
        spanJson('6bf92f3577b34da6a3ce929d0e0e4738', '40f067aa0ba902b7', 'GET /jobs', {
          attributes: [kv('http.route', '/jobs'), kv('http.response.status_code', 200)],
        }),
      ]),
      resourceSpans(HOSTILE, [
        spanJson(ERR_TRACE, '20f067aa0ba902b7', HOSTILE, {
          // No route: its hint quotes the hostile name too.
          attributes: [kv('http.response.status_code', 500), kv('evil', HOSTILE)],
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
      {
        resource: { attributes: [kv('service.name', 'worker')] },
        scopeLogs: [
          {
            scope: { name: 'app' },
            logRecords: [
              { timeUnixNano: String(T0 + 10_000_000n), severityNumber: 9, body: { stringValue: 'job done' } },
            ],
          },
        ],
      },
    ],
  });
  // One cumulative point: 40 requests over the 20 s since the service started.
  const point = {
    attributes: [kv('http.route', '/items/{id}'), kv('http.request.method', 'GET')],
    startTimeUnixNano: String(T0 - 20_000_000_000n),
    timeUnixNano: String(T0),
    count: '40',
    bucketCounts: ['30', '10', '0'],
    explicitBounds: [0.01, 0.1],
  };
  await post(view, 'metrics', {
    resourceMetrics: [
      {
        resource: { attributes: [kv('service.name', 'shop')] },
        scopeMetrics: [
          {
            scope: { name: 'e2e' },
            metrics: [
              {
                name: 'http.server.request.duration',
                unit: 's',
                histogram: { dataPoints: [point], aggregationTemporality: 2 },
              },
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

const texts = (selector: string) => page.$$eval(selector, (els) => els.map((e) => e.textContent ?? ''));

describe('the live view page', () => {
  it('shows new traces without a reload', async () => {
    await page.goto(view.page.url);
    await page.waitForSelector('[data-testid=stats]');
    await sendTelemetry(view);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-row]').length === 3, {
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
    const shown = await page.$eval('[data-testid=trace-page]', (e) => e.textContent ?? '');
    // Span name, attribute, log body, service name and the hint on the span, each as the literal text.
    expect(shown.split(HOSTILE).length - 1).toBeGreaterThanOrEqual(5);
    expect(await page.evaluate(() => document.querySelectorAll('#app img').length)).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it('draws the waterfall in tree order with each log record under its span', async () => {
    await page.goto(`${view.page.url}#/trace/${OK_TRACE}`);
    await page.waitForSelector('[data-testid=span-row]');
    expect(await texts('[data-testid=span-row] .name')).toEqual(['GET /items/{id}', 'load item']);
    const logUnder = await page.$$eval('[data-testid=span-row]', (rows) =>
      rows.map(
        (r) => (r.parentElement?.querySelector('[data-testid=log-row]') as HTMLElement | null)?.textContent ?? '',
      ),
    );
    expect(logUnder[0]).toBe('');
    expect(logUnder[1]).toContain('item 42 loaded');
  });

  it('marks the traces doctor has something to say about, and says what to change next to the span', async () => {
    await page.goto(`${view.page.url}#/`);
    await page.waitForSelector(`[data-trace-id="${HINT_TRACE}"] [data-testid=hint-marker]`);
    // The overview (routes, service hints) is fetched apart from the list: wait for it as well.
    await page.waitForSelector('[data-testid=service-hints]');
    await page.waitForSelector('[data-testid=routes] td.rate');
    expect(await page.$(`[data-trace-id="${OK_TRACE}"] [data-testid=hint-marker]`)).toBeNull();
    const services = await page.$eval('[data-testid=service-hints]', (e) => e.textContent ?? '');
    expect(services).toContain('a log record of worker written during a request carries no trace id');
    const [rate] = await texts('[data-testid=routes] td.rate');
    expect(rate).toBe('2.00');
    await page.click(`[data-trace-id="${HINT_TRACE}"]`);
    // The list's service hints use the same line: wait for the trace's own.
    await page.waitForSelector('[data-testid=trace-page] [data-testid=hint]');
    const hints = await texts('[data-testid=trace-page] [data-testid=hint]');
    expect(hints).toHaveLength(2);
    expect(hints[0]).toContain('has no http.route');
    expect(hints[0]).toContain('instrumentation');
    expect(hints[1]).toContain('holds an id (1234)');
    // Each hint sits under the span it concerns.
    const under = await page.$eval('[data-testid=trace-page] [data-testid=hint]', (h) => h.closest('[id^=span-]')?.id);
    expect(under).toBe('span-30f067aa0ba902b7');
  });

  it('shows only the failing request with the errors filter', async () => {
    await page.goto(`${view.page.url}#/`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-row]').length === 3);
    await page.click('[data-testid=filter-errors]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-row]').length === 1);
    const ids = await page.$$eval('[data-testid=trace-row]', (rows) =>
      rows.map((r) => r.getAttribute('data-trace-id')),
    );
    expect(ids).toEqual([ERR_TRACE]);
  });

  it("adds a trace's late spans to its open page", async () => {
    await page.goto(`${view.page.url}#/trace/${OK_TRACE}`);
    await page.waitForSelector('[data-testid=span-row]');
    await page.click('[data-testid=span-row]');
    await post(view, 'traces', {
      resourceSpans: [
        resourceSpans('prices', [
          spanJson(OK_TRACE, '40f067aa0ba902b7', 'price lookup', {
            kind: 2,
            parentSpanId: '10f067aa0ba902b7',
            startTimeUnixNano: String(T0 + 10_000_000n),
            endTimeUnixNano: String(T0 + 20_000_000n),
          }),
        ]),
      ],
    });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=span-row]').length === 3, {
      timeout: 5000,
    });
    expect(await texts('[data-testid=span-row] .name')).toEqual(['GET /items/{id}', 'load item', 'price lookup']);
    // What was open stays open.
    expect(await page.$('[data-testid=span-details]')).not.toBeNull();
  });

  it('keeps every column of the list on screen, however long a span name', async () => {
    const long = `GET /${'segment/'.repeat(40)}end`;
    await post(view, 'traces', {
      resourceSpans: [resourceSpans('shop', [spanJson('7bf92f3577b34da6a3ce929d0e0e4739', '50f067aa0ba902b7', long)])],
    });
    await page.setViewport({ width: 900, height: 640 });
    await page.goto(`${view.page.url}#/`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-row]').length === 4);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
