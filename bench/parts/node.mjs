/**
 * Part node: the generated Express and Fastify services, measured with the method of parts 2, 3, 4 and 5.
 *
 * Shutdown: N requests (4 in flight) to GET /bench/:item_id, then the signal right after the last response;
 * the receiver's count of the route's server + child spans is compared with 2 x the requests answered.
 * Overhead: closed-loop autocannon load on the same route, CPU (utime+stime of the process group) per request
 * and the RSS after the load (split by Node's diagnostic report), every mode started fresh with its own
 * receiver, modes interleaved in rotating order, median of reps. Modes, per framework: our wiring with the SDK
 * disabled; our wiring (traces only) with the generated defaults, with the other OTLP protocol and with the
 * other batch size; the zero-code path (`node --import @opentelemetry/auto-instrumentations-node/register`,
 * traces only, its own defaults) on the same app without our telemetry module; that app with no OpenTelemetry.
 * Tail: open-loop paced load (lib/paced-load.mjs, as part 3) traced against tracing off.
 * Profile: `node --cpu-prof` under the closed-loop load, traced, zero-code and untraced (lib/node-profile.mjs).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startCollector } from '../lib/collectors.mjs';
import { measureOverhead, runLoad, sendRequests } from '../lib/load.mjs';
import { memoryAfterLoad, reportFile, reportFlags } from '../lib/node-memory.mjs';
import { classifyProfiles, perRequest, profileClockUs, profileFlags } from '../lib/node-profile.mjs';
import {
  NODE_BENCH_CHILD_SPAN,
  NODE_BENCH_FRAMEWORKS,
  NODE_BENCH_SERVER_SPAN,
  ZERO_CODE_REGISTER,
  prepareNodeServices,
} from '../lib/node-workspace.mjs';
import { summariseNode } from '../lib/node-summary.mjs';
import { sleep } from '../lib/proc.mjs';
import { startService, stopRightAfter } from '../lib/service.mjs';

const SPANS_PER_REQUEST = 2;
const HEALTH_PATH = '/healthz';
const TRACES_ONLY = { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' };
const PROTOCOLS = { 'otlp-grpc': 'grpc', 'otlp-http': 'http/protobuf' };
/** The zero-code path's own default protocol (the JS SDK's). */
const ZERO_CODE_PROTOCOL = 'http/protobuf';

/** What the generated project chose: its OTLP protocol and export batch size, from its answers file. */
function generatedDefaults(dir) {
  const { options } = JSON.parse(readFileSync(path.join(dir, '.create-traced-service.json'), 'utf8'));
  return { protocol: PROTOCOLS[options.exporter] ?? 'grpc', batch: options.maxExportBatchSize };
}

function shutdownScenarios() {
  const [first] = NODE_BENCH_FRAMEWORKS;
  return [
    ...NODE_BENCH_FRAMEWORKS.map((fw) => ({
      id: `${fw}-term`,
      fw,
      label: `generated ${fw}, SIGTERM`,
      variant: 'ours',
      signal: 'SIGTERM',
      goal: true,
    })),
    {
      id: `${first}-kill`,
      fw: first,
      label: `generated ${first}, SIGKILL (group)`,
      variant: 'ours',
      signal: 'SIGKILL',
    },
    {
      id: `${first}-zero-term`,
      fw: first,
      label: `${first}, zero-code \`--import ${ZERO_CODE_REGISTER}\`, SIGTERM`,
      variant: 'zero',
      signal: 'SIGTERM',
      protocol: ZERO_CODE_PROTOCOL,
    },
  ];
}

/** The modes of the overhead runs, labelled with what the generated project chose. */
export function overheadModes({ protocol, batch }, variants = {}) {
  const other = protocol === 'grpc' ? 'http/protobuf' : 'grpc';
  const otherBatch = batch === 512 ? 64 : 512;
  return [
    {
      id: 'off',
      label: 'tracing off (`OTEL_SDK_DISABLED=true`, our wiring)',
      variant: 'ours',
      protocol,
      env: { OTEL_SDK_DISABLED: 'true' },
    },
    {
      id: 'ours',
      label: `our wiring, generated defaults (${protocol}, batches of ${batch})`,
      variant: 'ours',
      protocol,
      env: TRACES_ONLY,
    },
    { id: 'proto', label: `our wiring, ${other} instead`, variant: 'ours', protocol: other, env: TRACES_ONLY },
    {
      id: 'batch',
      label: `our wiring, export batches of ${otherBatch} instead (\`OTEL_BSP_MAX_EXPORT_BATCH_SIZE\`)`,
      variant: 'ours',
      protocol,
      env: { ...TRACES_ONLY, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: String(otherBatch) },
    },
    ...(variants.unbound
      ? [
          {
            id: 'unbound',
            label:
              'our wiring, `@opentelemetry/instrumentation-http` patched not to bind the request/response emitters (an upstream change, measured)',
            variant: 'unbound',
            protocol,
            env: TRACES_ONLY,
          },
        ]
      : []),
    ...(variants['fastify-otel']
      ? [
          {
            id: 'fotel',
            label: 'our wiring, the route named by `@fastify/otel` instead of the hook (as before 0.3.0)',
            variant: 'fastify-otel',
            protocol,
            env: TRACES_ONLY,
          },
        ]
      : []),
    {
      id: 'zero',
      label: `zero-code \`--import ${ZERO_CODE_REGISTER}\` (${ZERO_CODE_PROTOCOL}, its defaults)`,
      variant: 'zero',
      protocol: ZERO_CODE_PROTOCOL,
      env: TRACES_ONLY,
    },
    { id: 'plain', label: 'reference: same app, no OpenTelemetry at all', variant: 'plain', protocol },
  ];
}

/** Env of every run: the receiver on loopback over the mode's protocol, the port, the mode's variables. */
function runEnv(collector, protocol, port, extra) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? collector.endpoint : collector.receiver.httpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_EXPORTER_OTLP_INSECURE: 'true',
    HOST: '127.0.0.1',
    PORT: String(port),
    NODE_ENV: 'production',
    ...extra,
  };
}

async function start(app, mode, collector, label, { flags = [], env = {} } = {}) {
  const v = app.variants[mode.variant];
  return startService({
    dir: v.dir,
    label,
    healthPath: HEALTH_PATH,
    command: () => v.argv(flags),
    env: (port) => runEnv(collector, mode.protocol ?? app.defaults.protocol, port, { ...(mode.env ?? {}), ...env }),
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
  const app = ws.frameworks[sc.fw];
  let svc;
  try {
    const mode = {
      variant: sc.variant,
      protocol: sc.protocol,
      env: { OTEL_SERVICE_NAME: `bench-${sc.id}`, ...TRACES_ONLY },
    };
    svc = await start(app, mode, collector, `node-shutdown-${sc.id}`);
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

/**
 * Waits, with the service still running, until its export backlog has reached the receiver (the count has
 * not moved for a second; at most 60 s). A last partial batch waits for the schedule delay and is left out.
 */
async function drainExports(collector) {
  let count = collector.spanCount();
  let still = 0;
  for (let waited = 0; waited < 60_000 && still < 4; waited += 250) {
    await sleep(250);
    const now = collector.spanCount();
    still = now === count ? still + 1 : 0;
    count = now;
  }
}

/** One overhead run: paced at `cfg.rate`, or closed loop without one; with `profile`, under `--cpu-prof` (the profile's roles in µs per request). */
async function overheadRun(app, fw, mode, cfg, profile = false) {
  const collector = await startCollector('up', cfg.drain ? SATURATED_LIMITS : undefined);
  const label = `node-${profile ? 'profile' : 'overhead'}-${fw}-${mode.id}`;
  const report = reportFile(label);
  const prof = profile ? profileFlags(label) : undefined;
  let svc;
  try {
    svc = await start(app, mode, collector, label, {
      flags: [...reportFlags(report), ...(prof?.flags ?? [])],
      env: { OTEL_SERVICE_NAME: `bench-node-${mode.id}` },
    });
    const afterLoad = async (s) => ({ loadEndUs: profileClockUs(), memory: await memoryAfterLoad(s, report) });
    const load = cfg.drain ? { ...cfg, drain: () => drainExports(collector) } : cfg;
    const measured = await measureOverhead(svc, collector, load, () => settle(collector), afterLoad);
    svc = undefined;
    const {
      afterLoad: { loadEndUs, memory },
      ...rest
    } = measured;
    // The measured load only: start-up (module loading, the ESM loader hook) and the warm-up are left out.
    const window = { fromUs: loadEndUs - cfg.durationSec * 1e6, toUs: loadEndUs };
    return {
      mode: mode.id,
      ...rest,
      memory,
      ...(prof ? { roles: perRequest(classifyProfiles(prof.dir, window), measured.cpuMsPerReq) } : {}),
    };
  } finally {
    if (svc) await svc.dispose();
    await collector.close();
  }
}

/** Paced open-loop load (no coordinated omission), as part 3's tail-latency goal. */
async function tailRun(app, fw, mode, cfg) {
  const collector = await startCollector('up');
  let svc;
  try {
    svc = await start(app, mode, collector, `node-tail-${fw}-${mode.id}`, {
      env: { OTEL_SERVICE_NAME: `bench-tail-${mode.id}` },
    });
    const load = { url: `${svc.base}/bench/12345`, paced: true, rate: cfg.rate, maxSockets: 64, timeoutSec: 10 };
    await runLoad({ ...load, durationSec: cfg.warmupSec });
    const r = await runLoad({ ...load, durationSec: cfg.tailSec });
    return {
      mode: mode.id,
      p50: r.p50,
      p99: r.p99,
      max: r.max,
      completed: r.requests2xx,
      scheduled: r.scheduled,
      errors: r.errors + r.unanswered,
    };
  } finally {
    if (svc) await svc.dispose();
    await collector.close();
  }
}

const fmtMs = (x) => (x == null ? '—' : x.toFixed(2));

/** Modes compared at saturation too: CPU per request with no idle time to amortise, which 400 requests/s has. */
const SATURATED_MODES = ['off', 'ours', 'unbound', 'fotel', 'zero', 'plain'];
// Closed loop outruns a batch processor's default queue (2048): raised so that every mode exports what it records.
const SATURATED_QUEUE = '1000000';
// ...and sends far more than the receiver keeps for a smoke test (100,000 items): the receiver takes it all.
const SATURATED_LIMITS = { maxRunItems: 5_000_000, maxRunBytes: 4 * 1024 ** 3 };

/** Closed-loop runs (no rate), modes rotated per rep: CPU per request with the process always busy. */
async function saturatedRuns(app, fw, modes, cfg, log) {
  const chosen = modes.filter((m) => SATURATED_MODES.includes(m.id));
  const runs = [];
  for (let rep = 0; rep < cfg.reps; rep++) {
    for (const mode of chosen.map((_, i) => chosen[(i + rep) % chosen.length])) {
      const saturatedMode = { ...mode, env: { ...mode.env, OTEL_BSP_MAX_QUEUE_SIZE: SATURATED_QUEUE } };
      const r = await overheadRun(app, fw, saturatedMode, { ...cfg, rate: undefined, drain: true });
      runs.push({ mode: mode.id, rep, rps: r.rps, cpuMsPerReq: r.cpuMsPerReq, spansPerReq: r.spansPerReq });
      log(
        `  [${rep + 1}/${cfg.reps}] ${fw} saturated ${mode.id.padEnd(5)} ${r.rps.toFixed(0).padStart(6)} req/s  ` +
          `CPU ${(r.cpuMsPerReq * 1000).toFixed(1)} µs/req  ${r.spansPerReq.toFixed(2)} spans/req`,
      );
    }
  }
  return runs;
}

async function measureFramework(ws, fw, cfg, log) {
  const app = ws.frameworks[fw];
  const modes = overheadModes(app.defaults, app.variants);
  const runs = [];
  for (let rep = 0; rep < cfg.reps; rep++) {
    const order = modes.map((_, i) => modes[(i + rep) % modes.length]);
    for (const mode of order) {
      const r = await overheadRun(app, fw, mode, cfg);
      runs.push({ ...r, rep });
      log(
        `  [${rep + 1}/${cfg.reps}] ${fw} ${mode.id.padEnd(5)} ${r.rps.toFixed(0).padStart(5)} req/s  p50 ${fmtMs(r.p50)} ms  ` +
          `p99 ${fmtMs(r.p99)} ms  CPU ${r.cpuMsPerReq.toFixed(3)} ms/req  ${r.spansPerReq.toFixed(2)} spans/req  ` +
          `RSS ${r.memory?.rssMiB?.toFixed(1) ?? '—'} MiB  errors ${r.errors}`,
      );
    }
  }
  const tailModes = modes.filter((m) => m.id === 'off' || m.id === 'ours');
  const tails = [];
  for (let rep = 0; rep < cfg.reps; rep++) {
    for (const mode of rep % 2 ? [...tailModes].reverse() : tailModes) {
      const r = await tailRun(app, fw, mode, cfg);
      tails.push({ ...r, rep });
      log(
        `  [${rep + 1}/${cfg.reps}] ${fw} tail ${mode.id.padEnd(4)} ${cfg.rate} req/s  ${r.completed}/${r.scheduled} ok  ` +
          `p50 ${fmtMs(r.p50)} ms  p99 ${fmtMs(r.p99)} ms  max ${r.max?.toFixed(0) ?? '—'} ms  errors ${r.errors}`,
      );
    }
  }
  const saturated = await saturatedRuns(app, fw, modes, cfg, log);
  const profiles = [];
  if (fw === NODE_BENCH_FRAMEWORKS[0]) {
    for (const mode of modes.filter((m) => ['ours', 'zero', 'plain'].includes(m.id))) {
      const r = await overheadRun(app, fw, mode, cfg, true);
      profiles.push({ mode: mode.id, cpuMsPerReq: r.cpuMsPerReq, rps: r.rps, roles: r.roles });
      log(
        `  profile ${fw} ${mode.id}: ${Object.entries(r.roles)
          .map(([k, v]) => `${k} ${v?.toFixed(0)} µs`)
          .join('; ')}`,
      );
    }
  }
  return { modes, runs, tails, profiles, saturated };
}

export async function runNode(
  {
    n = 1000,
    concurrency = 4,
    stopGraceMs = 15_000,
    reps = 3,
    durationSec = 4,
    warmupSec = 1,
    connections = 8,
    rate = 400,
    tailSec = 5,
  } = {},
  log = console.log,
) {
  const ws = await prepareNodeServices(log);
  for (const app of Object.values(ws.frameworks)) app.defaults = generatedDefaults(app.source);
  log(
    `  service Node ${ws.nodeVersion}; ${Object.entries(ws.frameworks)
      .map(
        ([fw, app]) =>
          `${fw}: ${Object.entries(app.versions)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}; defaults ${app.defaults.protocol}, batches of ${app.defaults.batch}`,
      )
      .join(' | ')}`,
  );
  const cfg = { n, concurrency, stopGraceMs, reps, durationSec, warmupSec, connections, rate, tailSec };

  const shutdown = [];
  for (const sc of shutdownScenarios()) {
    const r = await shutdownRun(ws, sc, cfg);
    shutdown.push({ ...r, label: sc.label, signal: sc.signal, goal: !!sc.goal });
    log(
      `  ${sc.id.padEnd(18)} ${r.received}/${r.expected} spans  lost ${r.lost}  (${r.requestsOk} requests ok, ` +
        `${r.requestsFailed} failed; ${r.stop.killed ? 'killed' : `exit ${r.stop.exitCode ?? r.stop.exitSignal}`}; ${r.otherSpans} other spans)`,
    );
  }
  const measured = {};
  for (const fw of NODE_BENCH_FRAMEWORKS) measured[fw] = await measureFramework(ws, fw, cfg, log);
  return summariseNode({ ws, cfg, shutdown, measured, spansPerRequest: SPANS_PER_REQUEST });
}
