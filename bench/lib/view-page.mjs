/**
 * The live view's page in headless Chromium (puppeteer-core, /usr/bin/chromium or $CHROMIUM_PATH), timed
 * inside the page: a MutationObserver sees the DOM change, then a requestAnimationFrame and a task after it
 * mark the frame that shows it as drawn (the task runs once that frame was painted).
 */
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { onCleanup } from './proc.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const VIEWPORT = { width: 1280, height: 800 };

export async function launchBrowser() {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const unregister = onCleanup(() => browser.close());
  return {
    browser,
    pid: browser.process()?.pid,
    close: async () => {
      unregister();
      await browser.close();
    },
  };
}

/** A new tab on the page's list, once its stats line is there; `requests` counts what it asked the API. */
export async function openList(browser, url) {
  const page = await browser.newPage();
  await page.setViewport(VIEWPORT);
  const requests = { traces: 0, overview: 0 };
  page.on('request', (r) => {
    const p = new URL(r.url()).pathname;
    if (p === '/api/traces') requests.traces++;
    else if (p === '/api/overview') requests.overview++;
  });
  await page.goto(url);
  await page.waitForSelector('[data-testid=stats]');
  return { page, requests };
}

/**
 * Clicks the trace's row in the list and times it: until the waterfall fills the screen (or holds all
 * `spanCount` rows) in the DOM (`domMs`) and on screen (`drawnMs`), and until all its rows are in the DOM and
 * drawn (`allDrawnMs`); `fetchMs` is the page's own request for the trace (resource timing). Then back to
 * the list, waiting for the row again.
 */
export async function timeOpenTrace(page, traceId, spanCount) {
  const row = `[data-trace-id="${traceId}"]`;
  await page.waitForSelector(row, { timeout: 15_000 });
  const t = await page.evaluate(
    (sel, n, id) =>
      new Promise((resolve, reject) => {
        performance.clearResourceTimings();
        const out = {};
        let t0 = 0;
        // The timestamp after the frame that shows the DOM as it is now was painted.
        const afterPaint = (key) =>
          requestAnimationFrame(() =>
            setTimeout(() => {
              out[key] = performance.now() - t0;
              if (out.drawnMs === undefined || out.allDrawnMs === undefined) return;
              const fetched = performance
                .getEntriesByType('resource')
                .find((e) => e.name.endsWith(`/api/traces/${id}`));
              resolve({ ...out, fetchMs: fetched?.duration });
            }, 0),
          );
        const check = () => {
          const rows = document.querySelectorAll('[data-testid=span-row]');
          const last = rows[rows.length - 1];
          const all = rows.length >= n;
          if (out.domMs === undefined && (all || (last && last.getBoundingClientRect().bottom >= innerHeight))) {
            out.domMs = performance.now() - t0;
            afterPaint('drawnMs');
          }
          if (all) {
            observer.disconnect();
            out.allDomMs = performance.now() - t0;
            afterPaint('allDrawnMs');
          }
        };
        const observer = new MutationObserver(check);
        observer.observe(document.getElementById('app'), { childList: true, subtree: true });
        setTimeout(() => reject(new Error(`trace ${id} not drawn within 15 s`)), 15_000);
        t0 = performance.now();
        document.querySelector(sel).click();
      }),
    row,
    spanCount,
    traceId,
  );
  await page.evaluate(() => {
    location.hash = '#/';
  });
  await page.waitForSelector(row, { timeout: 15_000 });
  return t;
}

/** Starts watching for the trace's row; `drawnAt()` waits for the wall-clock time (ms) its frame was drawn. */
export async function watchForTrace(page, traceId) {
  await page.evaluate((id) => {
    const w = window;
    w.__drawn ??= {};
    const sel = `[data-trace-id="${id}"]`;
    const observer = new MutationObserver(() => {
      if (!document.querySelector(sel)) return;
      observer.disconnect();
      requestAnimationFrame(() =>
        setTimeout(() => {
          w.__drawn[id] = performance.timeOrigin + performance.now();
        }, 0),
      );
    });
    observer.observe(document.getElementById('app'), { childList: true, subtree: true });
  }, traceId);
  return {
    drawnAt: async (timeoutMs = 10_000) => {
      const handle = await page.waitForFunction(
        (id) => window.__drawn?.[id],
        { timeout: timeoutMs, polling: 20 },
        traceId,
      );
      return handle.jsonValue();
    },
  };
}
