/**
 * Part 3: the service while its collector is up, down (closed port) or hanging (accepts, never answers),
 * for the generated BatchSpanProcessor and for a SimpleSpanProcessor build of the same app.
 *
 * Open-loop load at a fixed rate well below capacity (lib/paced-load.mjs), latency measured from when each
 * request was due, so that it shows event-loop blocking rather than queueing at saturation. RSS of the
 * service group is sampled during the run.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from '../lib/collectors.mjs';
import { runLoad } from '../lib/load.mjs';
import { sleep } from '../lib/proc.mjs';
import { startService } from '../lib/service.mjs';
import { runCmd } from '../lib/run-cmd.mjs';
import { median, pctChange } from '../lib/stats.mjs';
import { WORK } from '../lib/paths.mjs';
import { BENCH_SPANS_PER_REQUEST, prepareFrameworkServices } from '../lib/workspace.mjs';
import { commonEnv } from './overhead.mjs';

export const COLLECTOR_STATES = ['up', 'down', 'hanging'];

/**
 * Batch rows: the generated processor against each collector state, plus a reference on a healthy
 * collector with tracing off (p99 without any span work) and an experiment: gc.freeze() once the app is
 * warm, which takes the start-up heap out of full (generation-2) collections, the longest pauses of a
 * traced service; and export batches of 64 spans instead of 512, which bound how long the export thread
 * holds the GIL serialising one batch. Simple rows: the SimpleSpanProcessor build against each state.
 */
export const COLLECTOR_SCENARIOS = [
  {
    id: 'batch:off',
    group: 'batch',
    variant: 'batch',
    state: 'up',
    label: 'Batch, tracing off (`OTEL_SDK_DISABLED=true`), reference',
    env: { OTEL_SDK_DISABLED: 'true' },
  },
  { id: 'batch:up', group: 'batch', variant: 'batch', state: 'up', label: 'Batch (generated)' },
  { id: 'batch:down', group: 'batch', variant: 'batch', state: 'down', label: 'Batch (generated)' },
  { id: 'batch:hanging', group: 'batch', variant: 'batch', state: 'hanging', label: 'Batch (generated)' },
  {
    id: 'freeze:up',
    group: 'batch',
    variant: 'batch',
    state: 'up',
    label: 'Batch + `gc.freeze()` after warm-up, experiment',
    env: { BENCH_GC_FREEZE: '1' },
  },
  {
    id: 'freeze:down',
    group: 'batch',
    variant: 'batch',
    state: 'down',
    label: 'Batch + `gc.freeze()` after warm-up, experiment',
    env: { BENCH_GC_FREEZE: '1' },
  },
  {
    id: 'batch64:up',
    group: 'batch',
    variant: 'batch',
    state: 'up',
    label: 'Batch, export batches of 64 spans, experiment',
    env: { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '64' },
  },
  {
    id: 'freeze64:up',
    group: 'batch',
    variant: 'batch',
    state: 'up',
    label: 'Batch + `gc.freeze()` + batches of 64, experiment',
    env: { BENCH_GC_FREEZE: '1', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '64' },
  },
  { id: 'simple:up', group: 'simple', variant: 'simple', state: 'up', label: 'Simple (bench variant)' },
  { id: 'simple:down', group: 'simple', variant: 'simple', state: 'down', label: 'Simple (bench variant)' },
  { id: 'simple:hanging', group: 'simple', variant: 'simple', state: 'hanging', label: 'Simple (bench variant)' },
];

const EXPORT_TROUBLE =
  /Transient error|Failed to export|Exception while exporting|DEADLINE_EXCEEDED|UNAVAILABLE|timed out/i;
const QUEUE_FULL = /Queue is full|dropp/i;

let gcSeq = 0;
function readGcStats(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Where a scenario runs: a FastAPI variant of part 2, or another framework's generated service. */
const fastapiTarget = (ws, sc) => ({
  service: { dir: ws.variants[sc.variant], venv: ws.venv, frameworkName: 'fastapi' },
  gcHook: sc.variant !== 'plain',
});

async function oneRun(ws, sc, cfg, measureStop = true, target = fastapiTarget(ws, sc)) {
  const { state } = sc;
  const gcFile = path.join(WORK, 'logs', `gc-${process.pid}-${++gcSeq}.json`);
  rmSync(gcFile, { force: true });
  const collector = await startCollector(state);
  let svc;
  try {
    svc = await startService({
      ...target.service,
      label: `collector-${sc.id.replace(':', '-')}`,
      env: commonEnv(ws, collector.endpoint, {
        OTEL_SERVICE_NAME: `bench-${sc.id.replace(':', '-')}`,
        BENCH_GC_STATS: gcFile,
        ...(sc.env ?? {}),
      }),
    });
    const url = `${svc.base}/bench/12345`;
    const load = { url, paced: true, rate: cfg.rate, maxSockets: cfg.maxSockets, timeoutSec: cfg.timeoutSec };
    const warm = await runLoad({ ...load, durationSec: cfg.warmupSec });
    // The GC statistics cover the measured run only. Without the bench's GC hook SIGUSR1 would end
    // the service (uvicorn) or reopen its logs (gunicorn): not sent.
    if (target.gcHook) svc.signal('SIGUSR1');
    await sleep(50);
    const rssStart = svc.rssMiB();
    const samples = [];
    const t0 = performance.now();
    let sampling = true;
    const sampleLoop = (async () => {
      while (sampling) {
        samples.push({ t: (performance.now() - t0) / 1000, rss: svc.rssMiB() });
        await sleep(250);
      }
    })();
    const r = await runLoad({ ...load, durationSec: cfg.durationSec });
    sampling = false;
    await sampleLoop;
    const rssEnd = svc.rssMiB();
    // Read before the stop: collections during shutdown do not count.
    const gc = readGcStats(gcFile);
    // Memory over the last `growthWindowSec` of the run, by which time the span queue is full when the
    // collector is away: a bounded queue shows ~0 here, a growing one does not.
    const tail = samples.filter((s) => s.t >= cfg.durationSec - cfg.growthWindowSec);
    // A graceful stop with the collector away takes the whole flush timeout; it is measured once per
    // scenario (first rep) and the other reps are killed at once to keep the run short.
    const stop = measureStop || state === 'up' ? await svc.stop(cfg.stopGraceMs) : (await svc.dispose(), null);
    const log = svc.log();
    svc = undefined;
    return {
      scenario: sc.id,
      state,
      rps: r.rps,
      sent: r.sent,
      completed: r.requests2xx,
      scheduled: r.scheduled,
      // What a client sees: an error, or no answer within the request timeout.
      errors: r.errors + r.non2xx + r.unanswered,
      unanswered: r.unanswered,
      firstError: r.firstError,
      p50: r.p50,
      p99: r.p99,
      max: r.max,
      rssStart,
      rssPeak: Math.max(rssStart, rssEnd, ...samples.map((s) => s.rss)),
      rssEnd,
      rssTailGrowth: tail.length ? rssEnd - tail[0].rss : null,
      spansProducedBeforeTail: Math.round(
        (cfg.warmupSec + cfg.durationSec - cfg.growthWindowSec) * cfg.rate * BENCH_SPANS_PER_REQUEST,
      ),
      spansReceived: state === 'up' ? collector.spanCount() : null,
      spansExpected: sc.env?.OTEL_SDK_DISABLED ? 0 : (warm.sent + r.sent) * BENCH_SPANS_PER_REQUEST,
      exportTroubleLines: log.split('\n').filter((l) => EXPORT_TROUBLE.test(l)).length,
      queueFullLogged: QUEUE_FULL.test(log),
      gcGen2: gc ? gc['2'][0] : null,
      gcLongestMs: gc ? Math.max(gc['0'][1], gc['1'][1], gc['2'][1]) : null,
      stop,
    };
  } finally {
    if (svc) await svc.dispose();
    await collector.close();
  }
}

/**
 * Memory soak: the generated service with the collector away for `soakSec` at the same rate, RSS sampled
 * every second. Spans dropped from the full queue are freed by the garbage collector, so RSS moves in a
 * sawtooth; bounded means the later samples do not climb above the earlier ones.
 */
async function memorySoak(ws, state, cfg) {
  const collector = await startCollector(state);
  const gcFile = path.join(WORK, 'logs', `soak-${process.pid}-${state}.json`);
  let svc;
  // After a full collection: how many objects the service really keeps alive.
  const census = async () => {
    rmSync(`${gcFile}.live`, { force: true });
    svc.signal('SIGUSR2');
    for (let i = 0; i < 40; i++) {
      await sleep(50);
      try {
        return JSON.parse(readFileSync(`${gcFile}.live`, 'utf8')).objects;
      } catch {
        /* not written yet */
      }
    }
    return null;
  };
  try {
    svc = await startService({
      dir: ws.variants.batch,
      venv: ws.venv,
      label: `soak-${state}`,
      env: commonEnv(ws, collector.endpoint, { OTEL_SERVICE_NAME: `bench-soak-${state}`, BENCH_GC_STATS: gcFile }),
    });
    const load = runLoad({
      url: `${svc.base}/bench/12345`,
      paced: true,
      rate: cfg.rate,
      maxSockets: cfg.maxSockets,
      timeoutSec: cfg.timeoutSec,
      durationSec: cfg.soakSec,
    });
    const t0 = performance.now();
    const rss = [];
    const live = [];
    while (performance.now() - t0 < cfg.soakSec * 1000 - 500) {
      await sleep(1000);
      rss.push(svc.rssMiB());
      // Live objects once the queue has long been full, and again at the end.
      if (rss.length === Math.floor(cfg.soakSec / 2) || rss.length === cfg.soakSec - 1)
        live.push({ atSec: rss.length, objects: await census() });
    }
    const r = await load;
    const third = Math.max(1, Math.floor(rss.length / 3));
    const middle = rss.slice(third, 2 * third);
    const last = rss.slice(2 * third);
    return {
      state,
      seconds: cfg.soakSec,
      spansProduced: Math.round(cfg.soakSec * cfg.rate * BENCH_SPANS_PER_REQUEST),
      rss,
      live,
      maxMiddle: Math.max(...middle),
      maxLast: Math.max(...last),
      minLast: Math.min(...last),
      completed: r.requests2xx,
      scheduled: r.scheduled,
      errors: r.errors + r.unanswered,
      p99: r.p99,
    };
  } finally {
    if (svc) await svc.dispose();
    await collector.close();
  }
}

/** The tail-latency pair run for every other framework: the generated service traced, and with tracing off. */
export const FRAMEWORK_TAIL_SCENARIOS = [
  { id: 'off', state: 'up', label: 'tracing off (`OTEL_SDK_DISABLED=true`)', env: { OTEL_SDK_DISABLED: 'true' } },
  { id: 'up', state: 'up', label: 'traced (generated defaults)' },
];

/**
 * The tail-latency goal for Starlette, Flask and Django: each generated service (its own server command:
 * uvicorn, or gunicorn with the generated gunicorn.conf.py and one worker) under the same paced load,
 * traced against tracing off, collector up, reps interleaved. Best effort per framework.
 */
export async function frameworkTails(ws, cfg, log) {
  const prepared = await prepareFrameworkServices(log);
  const out = [];
  for (const fw of prepared) {
    if (fw.error) {
      log(`  ${fw.name}: not measured (${fw.error})`);
      out.push({ name: fw.name, error: fw.error });
      continue;
    }
    const target = { service: { dir: fw.dir, venv: fw.venv, frameworkName: fw.name }, gcHook: false };
    const runs = [];
    try {
      for (let rep = 0; rep < cfg.batchReps; rep++) {
        const order = rep % 2 === 0 ? FRAMEWORK_TAIL_SCENARIOS : [...FRAMEWORK_TAIL_SCENARIOS].reverse();
        for (const mode of order) {
          const sc = { ...mode, id: `${fw.name}:${mode.id}` };
          const r = await oneRun(ws, sc, cfg, true, target);
          runs.push({ ...r, mode: mode.id, rep });
          log(
            `  [${rep + 1}/${cfg.batchReps}] ${sc.id.padEnd(14)} ${r.completed}/${r.scheduled} ok  p50 ${r.p50?.toFixed(2) ?? '—'} ms  ` +
              `p99 ${r.p99?.toFixed(2) ?? '—'} ms  max ${r.max?.toFixed(0) ?? '—'} ms  errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}`,
          );
        }
      }
    } catch (err) {
      log(`  ${fw.name}: stopped (${String(err.message).split('\n')[0]})`);
      out.push({ name: fw.name, displayName: fw.displayName, error: String(err.message).split('\n')[0] });
      continue;
    }
    const summary = (mode) => {
      const mine = runs.filter((r) => r.mode === mode);
      return {
        p50: median(mine.map((r) => r.p50)),
        p99: median(mine.map((r) => r.p99)),
        p99All: mine.map((r) => r.p99),
        max: Math.max(...mine.map((r) => r.max ?? 0)),
        errors: mine.reduce((a, r) => a + r.errors, 0),
        completed: median(mine.map((r) => r.completed)),
        scheduled: mine[0]?.scheduled,
        spansReceived: median(mine.map((r) => r.spansReceived)),
        spansExpected: median(mine.map((r) => r.spansExpected)),
        gcLongestMs: median(mine.map((r) => r.gcLongestMs)),
      };
    };
    const off = summary('off');
    const up = summary('up');
    const ratio = off.p99 > 0 ? up.p99 / off.p99 : null;
    out.push({
      name: fw.name,
      displayName: fw.displayName,
      server: fw.server,
      off,
      up,
      ratio,
      met: ratio != null && ratio <= 2 && up.errors === 0,
    });
  }
  return out;
}

const ENCODE_COST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'encode_cost.py');

/** ms the export thread spends serialising one batch of real spans from the app (Python, under the GIL). */
async function serialiseCost(ws, batch) {
  try {
    const { stdout } = await runCmd(path.join(ws.venv, 'bin', 'python'), [ENCODE_COST, String(batch)], {
      cwd: ws.variants.batch,
      timeoutMs: 60_000,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1));
  } catch (err) {
    return { error: String(err.message).split('\n')[0] };
  }
}

export async function runCollector(
  ws,
  {
    batchReps = 3,
    simpleReps = 1,
    rate = 400,
    maxSockets = 64,
    durationSec = 6,
    warmupSec = 1,
    timeoutSec = 10,
    stopGraceMs = 12_000,
    growthWindowSec = 3,
    soakSec = 20,
    frameworks = true,
  } = {},
  log = console.log,
) {
  const cfg = {
    batchReps,
    simpleReps,
    rate,
    maxSockets,
    durationSec,
    warmupSec,
    timeoutSec,
    stopGraceMs,
    growthWindowSec: Math.min(growthWindowSec, durationSec / 2),
    soakSec,
    frameworks,
  };
  const runs = [];
  for (const group of ['batch', 'simple']) {
    const scenarios = COLLECTOR_SCENARIOS.filter((sc) => sc.group === group);
    const reps = group === 'batch' ? batchReps : simpleReps;
    for (let rep = 0; rep < reps; rep++) {
      // Rotate the order each rep so that drift on a shared machine does not always hit the same row.
      const order = scenarios.map((_, i) => scenarios[(i + rep) % scenarios.length]);
      for (const sc of order) {
        const r = await oneRun(ws, sc, cfg, rep === 0);
        runs.push({ ...r, rep });
        const stopText = !r.stop
          ? 'stop: not measured (killed)'
          : r.stop.killed
            ? `stop: SIGKILL after ${cfg.stopGraceMs / 1000}s`
            : `stop ${(r.stop.groupExitMs / 1000).toFixed(1)} s`;
        log(
          `  [${rep + 1}/${reps}] ${sc.id.padEnd(14)} ${r.completed}/${r.scheduled} ok  p50 ${r.p50?.toFixed(2) ?? '—'} ms  p99 ${r.p99?.toFixed(2) ?? '—'} ms  ` +
            `max ${r.max?.toFixed(0) ?? '—'} ms  errors ${r.errors}  RSS ${r.rssStart.toFixed(0)}→${r.rssEnd.toFixed(0)} MiB (peak ${r.rssPeak.toFixed(0)})  ${stopText}`,
        );
      }
    }
  }
  const cells = {};
  for (const sc of COLLECTOR_SCENARIOS) {
    const mine = runs.filter((r) => r.scenario === sc.id);
    if (mine.length === 0) continue;
    cells[sc.id] = {
      id: sc.id,
      label: sc.label,
      group: sc.group,
      state: sc.state,
      reps: mine.length,
      completed: median(mine.map((r) => r.completed)),
      scheduled: mine[0].scheduled,
      p50: median(mine.map((r) => r.p50)),
      p99: median(mine.map((r) => r.p99)),
      p99All: mine.map((r) => r.p99),
      max: Math.max(...mine.map((r) => r.max ?? 0)),
      errors: mine.reduce((a, r) => a + r.errors, 0),
      firstError: mine.find((r) => r.firstError)?.firstError,
      rssStart: median(mine.map((r) => r.rssStart)),
      rssPeak: Math.max(...mine.map((r) => r.rssPeak)),
      rssEnd: median(mine.map((r) => r.rssEnd)),
      rssTailGrowth: median(mine.map((r) => r.rssTailGrowth)),
      spansReceived: median(mine.map((r) => r.spansReceived)),
      spansExpected: median(mine.map((r) => r.spansExpected)),
      exportTroubleLines: median(mine.map((r) => r.exportTroubleLines)),
      queueFullLogged: mine.some((r) => r.queueFullLogged),
      stopMs: median(mine.map((r) => (!r.stop || r.stop.killed ? null : r.stop.groupExitMs))),
      killed: mine.filter((r) => r.stop?.killed).length,
      stopsMeasured: mine.filter((r) => r.stop).length,
      gcLongestMs: median(mine.map((r) => r.gcLongestMs)),
      gcLongestAll: mine.map((r) => r.gcLongestMs),
      gcGen2: median(mine.map((r) => r.gcGen2)),
    };
  }
  for (const c of Object.values(cells)) {
    const up = cells[`${c.group}:up`];
    c.p99VsUpPct = c.id === `${c.group}:up` ? 0 : pctChange(c.p99, up?.p99);
  }
  const frameworkRuns = cfg.frameworks ? await frameworkTails(ws, cfg, log) : [];
  const soak = [];
  if (cfg.soakSec > 0) {
    for (const state of ['down', 'hanging']) {
      const m = await memorySoak(ws, state, cfg);
      soak.push(m);
      log(
        `  memory soak, collector ${state.padEnd(7)} ${m.seconds} s: RSS ${m.rss.map((v) => v.toFixed(0)).join(' ')} MiB; live objects after a full collection ${m.live.map((l) => `${l.objects} at ${l.atSec} s`).join(', ')}; ${m.completed}/${m.scheduled} ok`,
      );
    }
  }
  const serialise = {};
  for (const batch of [ws.options.maxExportBatchSize ?? 512, 64]) serialise[batch] = await serialiseCost(ws, batch);
  log(
    `  serialising one export batch: ${Object.entries(serialise)
      .map(([b, r]) => (r.error ? `${b} spans: ${r.error}` : `${b} spans ${r.ms.toFixed(1)} ms`))
      .join(', ')}`,
  );
  const goalCells = ['batch:down', 'batch:hanging'].map((k) => cells[k]);
  const worst = Math.max(...goalCells.map((c) => c?.p99VsUpPct ?? Infinity));
  const noErrors = goalCells.every((c) => c && c.errors === 0);
  return {
    config: cfg,
    runs,
    cells,
    frameworks: frameworkRuns,
    soak,
    serialise,
    queueSize: ws.options.maxQueueSize,
    exportBatchSize: ws.options.maxExportBatchSize,
    goal: {
      target: 'BatchSpanProcessor p99 with the collector down or hanging within 10 % of collector up; no client errors',
      upP99: cells['batch:up']?.p99,
      downP99: cells['batch:down']?.p99,
      hangingP99: cells['batch:hanging']?.p99,
      worstPct: worst,
      noErrors,
      met: worst <= 10 && noErrors,
    },
  };
}
