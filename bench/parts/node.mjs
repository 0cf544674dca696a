/**
 * Part node: the generated Express service, measured with the method of parts 2 and 4.
 *
 * Shutdown: N requests (4 in flight) to GET /bench/:item_id, then the signal right after the last response;
 * the receiver's count of the route's server + child spans is compared with 2 x the requests answered.
 * Overhead: closed-loop autocannon load on the same route, CPU (utime+stime of the process group) per request,
 * every mode started fresh with its own receiver, modes interleaved in rotating order, median of reps.
 * Modes: our wiring with the SDK disabled, our wiring (traces only), the zero-code path
 * (`node --import @opentelemetry/auto-instrumentations-node/register`, traces only) on the same app without our
 * telemetry module, and that app with no OpenTelemetry at all.
 */
import { startCollector } from '../lib/collectors.mjs';
import { measureOverhead, sendRequests } from '../lib/load.mjs';
import {
  NODE_BENCH_CHILD_SPAN,
  NODE_BENCH_SERVER_SPAN,
  ZERO_CODE_REGISTER,
  prepareNodeServices,
} from '../lib/node-workspace.mjs';
import { sleep } from '../lib/proc.mjs';
import { startService, stopRightAfter } from '../lib/service.mjs';
import { median } from '../lib/stats.mjs';

const SPANS_PER_REQUEST = 2;
const HEALTH_PATH = '/healthz';
const TRACES_ONLY = { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' };

export const NODE_SHUTDOWN_SCENARIOS = [
  { id: 'node-term', label: 'generated Express, SIGTERM', variant: 'ours', signal: 'SIGTERM', goal: true },
  { id: 'node-kill', label: 'generated Express, SIGKILL (group)', variant: 'ours', signal: 'SIGKILL' },
  {
    id: 'node-zero-term',
    label: `zero-code \`--import ${ZERO_CODE_REGISTER}\`, SIGTERM`,
    variant: 'zero',
    signal: 'SIGTERM',
  },
];

export const NODE_OVERHEAD_MODES = [
  {
    id: 'off',
    label: 'tracing off (`OTEL_SDK_DISABLED=true`, our wiring)',
    variant: 'ours',
    env: { OTEL_SDK_DISABLED: 'true' },
  },
  {
    id: 'ours',
    label: 'our wiring → receiver (BatchSpanProcessor, sampler ratio 1.0)',
    variant: 'ours',
    env: TRACES_ONLY,
  },
  // Where our cost goes: the generated default exports batches of 64 spans (tail latency); 512 is the SDK's.
  {
    id: 'ours512',
    label: 'our wiring, export batches of 512 (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE=512`)',
    variant: 'ours',
    env: { ...TRACES_ONLY, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512' },
  },
  { id: 'zero', label: `zero-code \`--import ${ZERO_CODE_REGISTER}\` → receiver`, variant: 'zero', env: TRACES_ONLY },
  { id: 'plain', label: 'reference: same app, no OpenTelemetry at all', variant: 'plain' },
];

/** Env of every run: the receiver over gRPC on loopback, the port, and the mode's own variables. */
function runEnv(endpoint, port, extra) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_EXPORTER_OTLP_INSECURE: 'true',
    HOST: '127.0.0.1',
    PORT: String(port),
    NODE_ENV: 'production',
    ...extra,
  };
}

async function start(ws, variant, endpoint, label, extra = {}) {
  const v = ws.variants[variant];
  return startService({
    dir: v.dir,
    label,
    healthPath: HEALTH_PATH,
    command: () => v.argv(),
    env: (port) => runEnv(endpoint, port, extra),
  });
}

/**
 * The bench route's spans: its manual child, and its server span, recognised by the path it served (the
 * zero-code path names it "GET", without the route).
 */
function isRouteSpan(span) {
  if (span.name === NODE_BENCH_CHILD_SPAN) return true;
  if (span.kind !== 'SERVER') return false;
  const target = String(span.attributes['url.path'] ?? span.attributes['http.target'] ?? '');
  return span.name === NODE_BENCH_SERVER_SPAN || target.startsWith('/bench/');
}

/** Waits until the receiver's count stops moving (bytes already on the wire when the process exited). */
async function settle(collector) {
  let count = collector.spanCount();
  for (let i = 0; i < 10; i++) {
    await sleep(100);
    if (collector.spanCount() === count && i >= 2) break;
    count = collector.spanCount();
  }
}

async function shutdownRun(ws, sc, cfg) {
  const collector = await startCollector('up');
  let svc;
  try {
    svc = await start(ws, sc.variant, collector.endpoint, `node-shutdown-${sc.id}`, {
      OTEL_SERVICE_NAME: `bench-${sc.id}`,
      ...TRACES_ONLY,
    });
    const sent = await sendRequests(svc.base, (i) => `/bench/${i}`, cfg.n, cfg.concurrency);
    const stop = await stopRightAfter(svc, sc.signal, cfg.stopGraceMs);
    svc = undefined;
    await settle(collector);
    const all = collector.receiver.spans;
    const received = all.filter(isRouteSpan).length;
    const serverNames = [...new Set(all.filter((x) => x.kind === 'SERVER' && isRouteSpan(x)).map((x) => x.name))];
    const expected = sent.ok * SPANS_PER_REQUEST;
    return {
      scenario: sc.id,
      requestsOk: sent.ok,
      requestsFailed: sent.failed,
      expected,
      received,
      otherSpans: all.length - received,
      serverNames,
      lost: expected - received,
      stop,
    };
  } finally {
    if (svc) await svc.dispose();
    await collector.close();
  }
}

async function overheadRun(ws, mode, cfg) {
  const collector = await startCollector('up');
  let svc;
  try {
    svc = await start(ws, mode.variant, collector.endpoint, `node-overhead-${mode.id}`, {
      OTEL_SERVICE_NAME: `bench-node-${mode.id}`,
      ...(mode.env ?? {}),
    });
    const measured = await measureOverhead(svc, collector, cfg, () => settle(collector));
    svc = undefined;
    return { mode: mode.id, ...measured };
  } finally {
    if (svc) await svc.dispose();
    await collector.close();
  }
}

function summariseOverhead(runs) {
  const modes = {};
  for (const mode of NODE_OVERHEAD_MODES) {
    const mine = runs.filter((r) => r.mode === mode.id);
    modes[mode.id] = {
      label: mode.label,
      rps: median(mine.map((r) => r.rps)),
      p50: median(mine.map((r) => r.p50)),
      p99: median(mine.map((r) => r.p99)),
      cpuMsPerReq: median(mine.map((r) => r.cpuMsPerReq)),
      cpuMsPerReqAll: mine.map((r) => r.cpuMsPerReq),
      spansPerReq: median(mine.map((r) => r.spansPerReq)),
      errors: mine.reduce((a, r) => a + r.errors, 0),
    };
  }
  for (const m of Object.values(modes)) {
    m.overheadVsOff = m.cpuMsPerReq - modes.off.cpuMsPerReq;
    m.overheadVsPlain = m.cpuMsPerReq - modes.plain.cpuMsPerReq;
  }
  return modes;
}

function describeStop(sc, s, graceMs) {
  if (sc.signal === 'SIGKILL') return 'killed';
  if (s.killed) return `did not exit within ${graceMs / 1000}s (SIGKILL)`;
  return `exited in ${(s.groupExitMs / 1000).toFixed(2)} s (code ${s.exitCode ?? s.exitSignal})`;
}

export async function runNode(
  { n = 1000, concurrency = 4, stopGraceMs = 15_000, reps = 3, durationSec = 4, warmupSec = 1, connections = 8 } = {},
  log = console.log,
) {
  const ws = await prepareNodeServices(log);
  log(
    `  service Node ${ws.nodeVersion}; ${Object.entries(ws.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  const cfg = { n, concurrency, stopGraceMs, reps, durationSec, warmupSec, connections };

  const shutdown = [];
  for (const sc of NODE_SHUTDOWN_SCENARIOS) {
    const r = await shutdownRun(ws, sc, cfg);
    shutdown.push({ ...r, label: sc.label, signal: sc.signal, goal: !!sc.goal });
    log(
      `  ${sc.id.padEnd(15)} ${r.received}/${r.expected} spans  lost ${r.lost}  (${r.requestsOk} requests ok, ` +
        `${r.requestsFailed} failed; ${describeStop(sc, r.stop, stopGraceMs)}; ${r.otherSpans} other spans)`,
    );
  }

  const runs = [];
  for (let rep = 0; rep < reps; rep++) {
    const order = NODE_OVERHEAD_MODES.map((_, i) => NODE_OVERHEAD_MODES[(i + rep) % NODE_OVERHEAD_MODES.length]);
    for (const mode of order) {
      const r = await overheadRun(ws, mode, cfg);
      runs.push({ ...r, rep });
      log(
        `  [${rep + 1}/${reps}] ${mode.id.padEnd(6)} ${r.rps.toFixed(0).padStart(5)} req/s  p50 ${r.p50.toFixed(2)} ms  ` +
          `p99 ${r.p99.toFixed(2)} ms  CPU ${r.cpuMsPerReq.toFixed(3)} ms/req  ${r.spansPerReq.toFixed(2)} spans/req  errors ${r.errors}`,
      );
    }
  }
  const modes = summariseOverhead(runs);
  const goalRuns = shutdown.filter((r) => r.goal);
  const ours = modes.ours.overheadVsOff;
  const zero = modes.zero.overheadVsOff;
  return {
    config: { ...cfg, route: NODE_BENCH_SERVER_SPAN, expectedSpansPerRequest: SPANS_PER_REQUEST, workers: 1 },
    node: ws.nodeVersion,
    versions: ws.versions,
    shutdown,
    runs,
    modes,
    overheadRatio: zero > 0 ? ours / zero : null,
    goal: {
      target: `0 spans lost on SIGTERM at N = ${n}, the generated Express service`,
      lost: goalRuns.map((r) => ({ scenario: r.scenario, lost: r.lost })),
      met: goalRuns.length > 0 && goalRuns.every((r) => r.lost === 0 && r.requestsFailed === 0 && !r.stop.killed),
    },
  };
}
