/**
 * A large trace in headless Chromium: its first screenful of spans is drawn before the rest, so a 2,000-span
 * trace opens at once, and every span still arrives.
 */
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningView } from '../../src/view/index.js';
import { viewInChromium } from './chromium.js';
import { hex } from './support.js';

const TRACE = '6bf92f3577b34da6a3ce929d0e0e4738';
const SPANS = 2000;
const T0 = 1_700_000_000_000_000_000n;

/** A server span and 1,999 children under it (or under the previous child), as OTLP/JSON. */
function bigTrace() {
  const spans = Array.from({ length: SPANS }, (_, i) => ({
    traceId: TRACE,
    spanId: hex(i + 1, 8),
    ...(i > 0 ? { parentSpanId: hex(i % 7 === 0 ? 1 : i, 8) } : {}),
    name: i === 0 ? 'GET /big' : `step ${i}`,
    kind: i === 0 ? 2 : 1,
    startTimeUnixNano: String(T0 + BigInt(i) * 1000n),
    endTimeUnixNano: String(T0 + 10_000_000n),
  }));
  return {
    resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'e2e' }, spans }] }],
  };
}

let browser: Browser;
let page: Page;
let view: RunningView;
beforeAll(async () => {
  ({ view, browser, page } = await viewInChromium());
  const res = await fetch(`${view.receiver.httpEndpoint}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(bigTrace()),
  });
  expect(res.status).toBe(200);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await view?.close();
});

describe('a large trace in the page', () => {
  it('draws the first screenful of spans first, then all of them', async () => {
    await page.goto(view.page.url);
    await page.waitForSelector(`[data-trace-id="${TRACE}"]`);
    // How many span rows the first frame that shows any of them holds.
    const firstFrame = page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const observer = new MutationObserver(() => {
            const n = document.querySelectorAll('[data-testid=span-row]').length;
            if (n === 0) return;
            observer.disconnect();
            resolve(n);
          });
          observer.observe(document.getElementById('app') as HTMLElement, { childList: true, subtree: true });
        }),
    );
    await page.click(`[data-trace-id="${TRACE}"]`);
    const first = await firstFrame;
    expect(first).toBeGreaterThanOrEqual(640 / 30);
    expect(first).toBeLessThan(SPANS);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=span-row]').length === n, {}, SPANS);
    const names = await page.$$eval('[data-testid=span-row] .name', (els) => els.map((e) => e.textContent));
    expect(names[0]).toBe('GET /big');
    expect(new Set(names).size).toBe(SPANS);
  }, 60_000);
});
