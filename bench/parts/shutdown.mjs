/**
 * Part 4: does a graceful stop lose spans? N requests (4 in flight) to GET /bench/{i}, then the signal
 * right after the last response; the receiver's count of the route's server + child spans is compared
 * with 2 x the requests answered.
 *
 * SIGTERM goes to the main process only (what an orchestrator sends); SIGKILL goes to the whole group
 * (what a container runtime does when the grace period is over, or the OOM killer).
 */
import { startCollector } from '../lib/collectors.mjs';
import { sendRequests } from '../lib/load.mjs';
import { sleep } from '../lib/proc.mjs';
import { startService, stopRightAfter } from '../lib/service.mjs';
import {
  BENCH_CHILD_SPAN,
  BENCH_SERVER_SPAN,
  BENCH_SPANS_PER_REQUEST,
  prepareWsgiServices,
} from '../lib/workspace.mjs';
import { ZERO_CODE_WRAPPER, commonEnv } from './overhead.mjs';

export const SHUTDOWN_SCENARIOS = [
  {
    id: 'w1-term',
    label: 'generated, uvicorn 1 worker, SIGTERM',
    variant: 'batch',
    workers: 1,
    signal: 'SIGTERM',
    goal: true,
  },
  {
    id: 'w2-term',
    label: 'generated, uvicorn `--workers 2`, SIGTERM',
    variant: 'batch',
    workers: 2,
    signal: 'SIGTERM',
    goal: true,
  },
  {
    id: 'w1-kill',
    label: 'generated, uvicorn 1 worker, SIGKILL (group)',
    variant: 'batch',
    workers: 1,
    signal: 'SIGKILL',
  },
  {
    id: 'w2-kill',
    label: 'generated, uvicorn `--workers 2`, SIGKILL (group)',
    variant: 'batch',
    workers: 2,
    signal: 'SIGKILL',
  },
  {
    id: 'atexit-w1-term',
    label: 'lifespan flush removed (atexit hook only), 1 worker, SIGTERM',
    variant: 'atexit',
    workers: 1,
    signal: 'SIGTERM',
  },
  {
    id: 'atexit-w2-term',
    label: 'lifespan flush removed (atexit hook only), `--workers 2`, SIGTERM',
    variant: 'atexit',
    workers: 2,
    signal: 'SIGTERM',
  },
  {
    id: 'zero-w1-term',
    label: 'zero-code `opentelemetry-instrument`, 1 worker, SIGTERM',
    variant: 'plain',
    zeroCode: true,
    workers: 1,
    signal: 'SIGTERM',
  },
];

/** gunicorn scenarios for each WSGI framework the bench could prepare. */
function wsgiScenarios(wsgi) {
  const out = [];
  for (const fw of wsgi.filter((f) => !f.error)) {
    const target = { dir: fw.dir, venv: fw.venv, frameworkName: fw.name, serverSpan: fw.serverSpan };
    out.push(
      {
        id: `${fw.name}-w1-term`,
        label: `${fw.displayName}, gunicorn 1 worker, SIGTERM`,
        target,
        workers: 1,
        signal: 'SIGTERM',
        goal: true,
      },
      {
        id: `${fw.name}-w2-term`,
        label: `${fw.displayName}, gunicorn \`--workers 2\`, SIGTERM`,
        target,
        workers: 2,
        signal: 'SIGTERM',
        goal: true,
      },
      {
        id: `${fw.name}-w2-kill`,
        label: `${fw.displayName}, gunicorn \`--workers 2\`, SIGKILL (group)`,
        target,
        workers: 2,
        signal: 'SIGKILL',
      },
    );
  }
  return out;
}

function targetOf(ws, sc) {
  if (sc.target) return sc.target;
  return {
    dir: ws.variants[sc.variant],
    venv: sc.zeroCode ? ws.zeroVenv : ws.venv,
    wrapper: sc.zeroCode ? ZERO_CODE_WRAPPER : [],
    frameworkName: 'fastapi',
    serverSpan: BENCH_SERVER_SPAN,
  };
}

async function oneRun(ws, sc, cfg) {
  const collector = await startCollector('up');
  const target = targetOf(ws, sc);
  const routeSpans = new Set([target.serverSpan, BENCH_CHILD_SPAN]);
  let svc;
  try {
    svc = await startService({
      dir: target.dir,
      venv: target.venv,
      wrapper: target.wrapper ?? [],
      frameworkName: target.frameworkName,
      workers: sc.workers,
      label: `shutdown-${sc.id}`,
      // process.pid on the resource tells which worker exported what.
      env: commonEnv(ws, collector.endpoint, {
        OTEL_SERVICE_NAME: `bench-${sc.id}`,
        OTEL_EXPERIMENTAL_RESOURCE_DETECTORS: 'otel,process',
      }),
    });
    const sent = await sendRequests(svc.base, (i) => `/bench/${i}`, cfg.n, cfg.concurrency);
    const stop = await stopRightAfter(svc, sc.signal, cfg.stopGraceMs);
    svc = undefined;
    // Exports finish before their process exits; leave a moment for bytes already on the wire.
    let count = collector.spanCount();
    for (let i = 0; i < 10; i++) {
      await sleep(100);
      if (collector.spanCount() === count && i >= 2) break;
      count = collector.spanCount();
    }
    // Only the route's own two spans count (the zero-code wrapper adds `http send` spans on top).
    const all = collector.receiver.spans;
    const spans = all.filter((s) => routeSpans.has(s.name));
    const perPid = {};
    for (const s of spans) {
      const pid = String(s.resource['process.pid'] ?? '?');
      perPid[pid] = (perPid[pid] ?? 0) + 1;
    }
    const expected = sent.ok * BENCH_SPANS_PER_REQUEST;
    return {
      scenario: sc.id,
      requestsOk: sent.ok,
      requestsFailed: sent.failed,
      expected,
      received: spans.length,
      otherSpans: all.length - spans.length,
      lost: expected - spans.length,
      lostPct: expected ? ((expected - spans.length) / expected) * 100 : null,
      spansPerWorker: Object.values(perPid),
      stop,
    };
  } finally {
    if (svc) await svc.dispose();
    await collector.close();
  }
}

export async function runShutdown(
  ws,
  { n = 1000, concurrency = 4, reps = 1, stopGraceMs = 30_000, wsgi: withWsgi = true } = {},
  log = console.log,
) {
  const cfg = { n, concurrency, reps, stopGraceMs };
  const wsgi = withWsgi ? await prepareWsgiServices(log) : [];
  for (const f of wsgi.filter((x) => x.error)) log(`  ${f.name}: not measured (${f.error})`);
  const all = [...SHUTDOWN_SCENARIOS, ...wsgiScenarios(wsgi)];
  const runs = [];
  for (let rep = 0; rep < reps; rep++) {
    for (const sc of all) {
      const r = await oneRun(ws, sc, cfg);
      runs.push({ ...r, rep });
      const s = r.stop;
      const how =
        sc.signal === 'SIGKILL'
          ? 'killed'
          : s.killed
            ? `did not exit within ${stopGraceMs / 1000}s (SIGKILL)`
            : `exited in ${(s.groupExitMs / 1000).toFixed(2)} s (code ${s.exitCode ?? s.exitSignal})`;
      log(
        `  ${sc.id.padEnd(15)} ${r.received}/${r.expected} spans  lost ${r.lost}  (${r.requestsOk} requests ok, ${r.requestsFailed} failed; ${how}; per worker ${r.spansPerWorker.join('+')})`,
      );
    }
  }
  const scenarios = all.map(({ target, ...sc }) => {
    const mine = runs.filter((r) => r.scenario === sc.id);
    return {
      ...sc,
      serverSpan: targetOf(ws, { ...sc, target }).serverSpan,
      lostMax: Math.max(...mine.map((r) => r.lost)),
      lostMin: Math.min(...mine.map((r) => r.lost)),
    };
  });
  const goalRuns = runs.filter((r) => all.find((s) => s.id === r.scenario)?.goal);
  return {
    config: cfg,
    runs,
    scenarios,
    wsgi: wsgi.map((f) => ({ name: f.name, error: f.error })),
    goal: {
      target: `0 spans lost on SIGTERM at N = ${n}, uvicorn (and gunicorn for WSGI frameworks) with 1 and 2 workers`,
      lost: goalRuns.map((r) => ({ scenario: r.scenario, lost: r.lost })),
      met: goalRuns.length > 0 && goalRuns.every((r) => r.lost === 0 && r.requestsFailed === 0),
    },
  };
}
