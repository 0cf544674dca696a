/**
 * Part 8: the live view (`view`, `dev`). Ingest: spans per second over OTLP/HTTP protobuf in batches of 512
 * with the page open and updating in headless Chromium (and, interleaved, with no page), what the view holds
 * against what was sent, and its RSS at the cap. Opening a 2,000-span trace: click to drawn, in the page.
 * Request to screen: `dev` on the generated service, a request with a known traceparent until its row is
 * drawn. `dev` start to ready next to the service's plain start command.
 */
import { randomBytes } from 'node:crypto';
import { bigTrace, encodeBatches, prng } from '../lib/otlp-batches.mjs';
import { sleep } from '../lib/proc.mjs';
import { groupCpuSeconds } from '../lib/procfs.mjs';
import { median } from '../lib/stats.mjs';
import { CHROMIUM, launchBrowser, openList, timeOpenTrace, VIEWPORT, watchForTrace } from '../lib/view-page.mjs';
import { postBatches, prepareLoad, startDev, startPlain, startViewProcess } from '../lib/view-procs.mjs';

export const VIEW_GOALS = { spansPerSec: 20_000, rssBytes: 300e6, openMs: 100, screenMs: 1000 };
const BATCH = 512;
const MiB = 1024 * 1024;

/** RSS of the view every 50 ms while `fn` runs: the peak. */
async function peakRss(view, fn) {
  let peak = view.rssMiB();
  const timer = setInterval(() => {
    peak = Math.max(peak, view.rssMiB());
  }, 50);
  try {
    return { result: await fn(), peakMiB: peak };
  } finally {
    clearInterval(timer);
  }
}

/** The two large traces the page opens, sent after the ingest (so they are opened at the cap). */
async function openTimings(view, page, cfg, log) {
  const traces = [bigTrace(cfg.smallTraceSpans, 0x5a11), bigTrace(cfg.bigTraceSpans, 0xb16)];
  for (const t of traces) await postBatches(view.tracesUrl, await encodeBatches([t], BATCH));
  const out = {};
  for (const t of traces) {
    const runs = [];
    for (let i = 0; i < cfg.openReps; i++) runs.push(await timeOpenTrace(page, t.traceId, t.spans.length));
    const server = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await view.api(`/api/traces/${t.traceId}`);
      server.push(performance.now() - t0);
    }
    out[t.spans.length] = {
      runs,
      drawnMs: median(runs.map((r) => r.drawnMs)),
      domMs: median(runs.map((r) => r.domMs)),
      allDrawnMs: median(runs.map((r) => r.allDrawnMs)),
      fetchMs: median(runs.map((r) => r.fetchMs)),
      apiMs: median(server),
    };
    log(
      `  open a ${t.spans.length}-span trace: click to first screen drawn ${runs.map((r) => r.drawnMs.toFixed(0)).join('/')} ms, all rows ${runs.map((r) => r.allDrawnMs.toFixed(0)).join('/')} ms (its fetch ${out[t.spans.length].fetchMs?.toFixed(0)} ms)`,
    );
  }
  const list = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await view.api('/api/traces');
    list.push(performance.now() - t0);
  }
  return { bySize: out, listApiMs: median(list), heldAtOpen: (await view.stats()).spans };
}

async function ingestRun(browser, mode, cfg, withOpen, log) {
  const view = await startViewProcess();
  let tab;
  try {
    const load = await prepareLoad({
      url: view.tracesUrl,
      total: cfg.spans,
      batchSize: BATCH,
      concurrency: cfg.concurrency,
      seed: 1,
    });
    if (mode === 'page') tab = await openList(browser.browser, view.pageUrl);
    const rssStartMiB = view.rssMiB();
    const cpu0 = view.cpuSeconds();
    const bcpu0 = groupCpuSeconds(browser.pid);
    const { result: r, peakMiB } = await peakRss(view, () => load.go());
    const viewCpu = view.cpuSeconds() - cpu0;
    const browserCpu = groupCpuSeconds(browser.pid) - bcpu0;
    const stats = await view.stats();
    let pageLagMs;
    if (tab) {
      const t0 = performance.now();
      await tab.page.waitForFunction(
        (n) => document.querySelector('[data-testid=stats]')?.textContent?.includes(`${n} / `),
        { timeout: 15_000, polling: 20 },
        stats.spans,
      );
      pageLagMs = performance.now() - t0;
    }
    await sleep(500);
    const run = {
      mode,
      spansPerSec: r.spansAccepted / (r.wallMs / 1000),
      wallMs: r.wallMs,
      batches: r.batches,
      bytes: load.bytes,
      sent: r.spansSent,
      accepted: r.spansAccepted,
      failed: r.failed,
      firstError: r.firstError,
      held: stats.spans,
      traces: stats.traces,
      dropped: stats.dropped.spans,
      batchP50Ms: r.p50Ms,
      batchP99Ms: r.p99Ms,
      rssStartMiB,
      rssPeakMiB: peakMiB,
      rssHeldMiB: view.rssMiB(),
      viewCpuSec: viewCpu,
      browserCpuSec: mode === 'page' ? browserCpu : undefined,
      listFetches: tab?.requests.traces,
      pageLagMs,
    };
    log(
      `  ${mode.padEnd(6)} ${run.spansPerSec.toFixed(0).padStart(6)} spans/s  sent ${run.sent}, held ${run.held}, dropped ${run.dropped}, failed ${run.failed}  RSS ${run.rssHeldMiB.toFixed(0)} MiB (peak ${peakMiB.toFixed(0)})  CPU view ${viewCpu.toFixed(1)} s${tab ? `, browser ${browserCpu.toFixed(1)} s, ${run.listFetches} list refreshes, page caught up ${pageLagMs.toFixed(0)} ms after` : ''}`,
    );
    if (withOpen && tab) run.open = await openTimings(view, tab.page, cfg, log);
    return run;
  } finally {
    await tab?.page.close().catch(() => {});
    await view.stop();
  }
}

/** `dev` on the generated service: a request with a known traceparent until its row is drawn in the page. */
async function requestToScreen(browser, ws, cfg, log) {
  const dev = await startDev(ws.svc, { keep: true });
  const { page } = await openList(browser.browser, dev.pageUrl);
  const rand = prng(7);
  const runs = [];
  try {
    for (let i = 0; i <= cfg.screenReps; i++) {
      const traceId = randomBytes(16).toString('hex');
      const watcher = await watchForTrace(page, traceId);
      // A random phase against the 200 ms export schedule and the page's 200 ms push.
      await sleep(Math.floor(rand() * 400));
      const t0 = performance.timeOrigin + performance.now();
      const res = await fetch(`${dev.serviceUrl}/process/${i}`, {
        headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      });
      await res.arrayBuffer();
      const t1 = performance.timeOrigin + performance.now();
      const drawn = await watcher.drawnAt();
      // The first request warms the service (first-call imports, the exporter's connection): not counted.
      if (i > 0) runs.push({ fromRequestMs: drawn - t0, fromResponseMs: drawn - t1, responseMs: t1 - t0 });
    }
  } finally {
    await page.close().catch(() => {});
    await dev.stop();
  }
  log(
    `  request to screen (dev): ${runs.map((r) => r.fromRequestMs.toFixed(0)).join('/')} ms from the request (the route itself takes ${median(runs.map((r) => r.responseMs)).toFixed(0)} ms)`,
  );
  return {
    runs,
    fromRequestMs: median(runs.map((r) => r.fromRequestMs)),
    fromResponseMs: median(runs.map((r) => r.fromResponseMs)),
    responseMs: median(runs.map((r) => r.responseMs)),
  };
}

async function devStart(ws, cfg, log) {
  const runs = [];
  for (let rep = 0; rep < cfg.startReps; rep++) {
    for (const mode of rep % 2 ? ['plain', 'dev'] : ['dev', 'plain']) {
      const r = mode === 'dev' ? await startDev(ws.svc) : await startPlain(ws.svc, ws.venv);
      runs.push({ mode, rep, ...r, pageUrl: undefined, serviceUrl: undefined });
      log(
        mode === 'dev'
          ? `  dev start: page ${r.pageMs.toFixed(0)} ms, service ${r.serviceMs.toFixed(0)} ms, address printed ${r.announcedMs.toFixed(0)} ms`
          : `  plain start (uvicorn): ready ${r.readyMs.toFixed(0)} ms`,
      );
    }
  }
  const dev = runs.filter((r) => r.mode === 'dev');
  const plain = runs.filter((r) => r.mode === 'plain');
  const d = {
    runs,
    devPageMs: median(dev.map((r) => r.pageMs)),
    devServiceMs: median(dev.map((r) => r.serviceMs)),
    devReadyMs: median(dev.map((r) => r.announcedMs)),
    plainReadyMs: median(plain.map((r) => r.readyMs)),
    plainCommand: plain[0]?.command,
  };
  return { ...d, ratio: d.devReadyMs / d.plainReadyMs };
}

export async function runView(
  ws,
  { reps = 3, spans = 100_000, concurrency = 4, openReps = 7, screenReps = 7, startReps = 3 } = {},
  log = console.log,
) {
  const cfg = {
    reps,
    spans,
    batchSize: BATCH,
    concurrency,
    openReps,
    screenReps,
    startReps,
    bigTraceSpans: 2000,
    smallTraceSpans: 159,
  };
  const browser = await launchBrowser();
  const ingest = [];
  let screen;
  try {
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 ? ['none', 'page'] : ['page', 'none'];
      for (const mode of order) ingest.push({ rep, ...(await ingestRun(browser, mode, cfg, rep === reps - 1, log)) });
    }
    screen = await requestToScreen(browser, ws, cfg, log);
  } finally {
    await browser.close();
  }
  const start = await devStart(ws, cfg, log);
  const withPage = ingest.filter((r) => r.mode === 'page');
  const noPage = ingest.filter((r) => r.mode === 'none');
  const open = withPage.find((r) => r.open)?.open;
  const ing = {
    spansPerSec: median(withPage.map((r) => r.spansPerSec)),
    noPageSpansPerSec: median(noPage.map((r) => r.spansPerSec)),
    lossless: ingest.every((r) => r.failed === 0 && r.held === r.sent && r.dropped === 0),
    // CPU the view spent per span: what it could take on a core of its own, whatever else ran.
    viewCpuUsPerSpan: median(withPage.map((r) => (r.viewCpuSec * 1e6) / r.sent)),
    noPageViewCpuUsPerSpan: median(noPage.map((r) => (r.viewCpuSec * 1e6) / r.sent)),
    rssHeldMiB: median(withPage.map((r) => r.rssHeldMiB)),
    rssPeakMiB: Math.max(...withPage.map((r) => r.rssPeakMiB)),
  };
  const openMs = open?.bySize[cfg.bigTraceSpans]?.drawnMs;
  const goal = {
    ingest: ing.spansPerSec >= VIEW_GOALS.spansPerSec && ing.lossless,
    memory: ing.rssHeldMiB * MiB <= VIEW_GOALS.rssBytes && ing.rssPeakMiB * MiB <= VIEW_GOALS.rssBytes,
    open: openMs != null && openMs <= VIEW_GOALS.openMs,
    screen: screen.fromRequestMs <= VIEW_GOALS.screenMs,
  };
  return {
    config: { ...cfg, chromium: CHROMIUM, viewport: `${VIEWPORT.width}×${VIEWPORT.height}` },
    ingest,
    summary: { ...ing, openMs, screenMs: screen.fromRequestMs },
    open,
    screen,
    start,
    goal: {
      ...goal,
      met: Object.values(goal).every(Boolean),
      target: 'view: ingest, memory, open a trace, request to screen',
    },
  };
}
