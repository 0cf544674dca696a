/**
 * Part 2: instrumentation overhead under load, every mode in the same run, interleaved, median of reps.
 *
 * Each run: fresh OTLP receiver, fresh service, warm-up, then a closed-loop autocannon load on the no-sleep
 * route GET /bench/{id}; server CPU = utime+stime of the service's process group sampled right after the
 * warm-up and right after the load; spans counted by the receiver after a graceful stop (SIGTERM), so the
 * final flush is included.
 */
import { startCollector } from '../lib/collectors.mjs';
import { measureOverhead } from '../lib/load.mjs';
import { startService } from '../lib/service.mjs';
import { median } from '../lib/stats.mjs';
import { BENCH_SPANS_PER_REQUEST } from '../lib/workspace.mjs';

export const ZERO_CODE_WRAPPER = [
  'opentelemetry-instrument',
  '--traces_exporter',
  'otlp',
  '--metrics_exporter',
  'none',
  '--logs_exporter',
  'none',
];

/** The generated service exports all three signals by default; these modes compare traces alone. */
export const TRACES_ONLY = { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' };

export const OVERHEAD_MODES = [
  {
    id: 'off',
    label: 'tracing off (`OTEL_SDK_DISABLED=true`, our wiring)',
    variant: 'batch',
    env: { OTEL_SDK_DISABLED: 'true' },
  },
  // Traces only, like the wrapper below (the signals part measures metrics and logs on top).
  {
    id: 'ours',
    label: 'our wiring → receiver (FastAPI’s own instrumentation, BatchSpanProcessor, sampler ratio 1.0)',
    variant: 'batch',
    env: TRACES_ONLY,
  },
  {
    id: 'zero',
    label: 'zero-code `opentelemetry-instrument` → receiver',
    variant: 'plain',
    zeroCode: true,
    wrapper: true,
  },
  { id: 'ratio10', label: 'our wiring, `ParentBased(TraceIdRatioBased(0.1))`', variant: 'ratio10', env: TRACES_ONLY },
  // Splits our overhead: making the spans in the request path, against encoding and sending them.
  {
    id: 'noexport',
    label: 'our wiring, spans made but not exported (`OTEL_TRACES_EXPORTER=none`)',
    variant: 'batch',
    env: { ...TRACES_ONLY, OTEL_TRACES_EXPORTER: 'none' },
  },
  // The previous wiring: FastAPIInstrumentor with the same providers and exclusions, in place of FastAPI's
  // own instrumentation (the zero-code venv has opentelemetry-instrumentation-fastapi; no wrapper).
  {
    id: 'instrumentor',
    label: 'our wiring with FastAPIInstrumentor instead of FastAPI’s own instrumentation',
    variant: 'instrumentor',
    zeroCode: true,
    wrapper: false,
    env: TRACES_ONLY,
  },
  {
    id: 'plain',
    label: 'reference: same app, no OpenTelemetry at all',
    variant: 'plain',
    zeroCode: true,
    wrapper: false,
  },
];

export function modeService(ws, mode) {
  return {
    dir: ws.variants[mode.variant],
    venv: mode.zeroCode ? ws.zeroVenv : ws.venv,
    wrapper: mode.wrapper ? ZERO_CODE_WRAPPER : [],
  };
}

/** Env every service gets: the collector endpoint, plaintext gRPC on loopback, same excluded URLs. */
export function commonEnv(ws, endpoint, extra = {}) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_INSECURE: 'true',
    // The generated app reads this too; the zero-code wrapper needs it to skip /healthz like our wiring.
    OTEL_PYTHON_FASTAPI_EXCLUDED_URLS: ws.options.excludedUrls.join(','),
    ...extra,
  };
}

async function oneRun(ws, mode, cfg, log) {
  const collector = await startCollector('up');
  let svc;
  try {
    const where = modeService(ws, mode);
    svc = await startService({
      ...where,
      label: `overhead-${mode.id}`,
      env: commonEnv(ws, collector.endpoint, { OTEL_SERVICE_NAME: `bench-${mode.id}`, ...(mode.env ?? {}) }),
    });
    const measured = await measureOverhead(svc, collector, cfg);
    svc = undefined;
    return { mode: mode.id, ...measured };
  } finally {
    if (svc) await svc.dispose();
    await collector.close();
  }
}

export async function runOverhead(
  ws,
  { reps = 3, durationSec = 5, warmupSec = 1.5, connections = 8 } = {},
  log = console.log,
) {
  const cfg = { reps, durationSec, warmupSec, connections };
  const runs = [];
  for (let rep = 0; rep < reps; rep++) {
    // Rotate the order each rep so that drift of a noisy machine does not always hit the same mode.
    const order = OVERHEAD_MODES.map((_, i) => OVERHEAD_MODES[(i + rep) % OVERHEAD_MODES.length]);
    for (const mode of order) {
      const r = await oneRun(ws, mode, cfg, log);
      runs.push({ ...r, rep });
      log(
        `  [${rep + 1}/${reps}] ${mode.id.padEnd(8)} ${r.rps.toFixed(0).padStart(5)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  ` +
          `CPU ${r.cpuMsPerReq.toFixed(3)} ms/req  ${r.spansPerReq.toFixed(2)} spans/req  errors ${r.errors}`,
      );
    }
  }
  const modes = {};
  for (const mode of OVERHEAD_MODES) {
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
  const off = modes.off.cpuMsPerReq;
  const plain = modes.plain.cpuMsPerReq;
  for (const m of Object.values(modes)) {
    m.overheadVsOff = m.cpuMsPerReq - off;
    m.overheadVsPlain = m.cpuMsPerReq - plain;
    m.overheadPerSpanUs = m.spansPerReq > 0.05 ? (m.overheadVsOff * 1000) / m.spansPerReq : null;
  }
  const ours = modes.ours.overheadVsOff;
  const zero = modes.zero.overheadVsOff;
  return {
    config: {
      ...cfg,
      route: 'GET /bench/{item_id}',
      expectedSpansPerRequest: BENCH_SPANS_PER_REQUEST,
      serverFlags: '--no-access-log',
      workers: 1,
    },
    runs,
    modes,
    goal: {
      target: 'our CPU overhead per traced request ≤ 0.5 × the zero-code wrapper’s',
      ours,
      zero,
      ratio: zero > 0 ? ours / zero : null,
      met: zero > 0 && ours <= 0.5 * zero,
      // The same comparison against the app without any OpenTelemetry (not the definition).
      oursVsPlain: modes.ours.overheadVsPlain,
      zeroVsPlain: modes.zero.overheadVsPlain,
      ratioVsPlain: modes.zero.overheadVsPlain > 0 ? modes.ours.overheadVsPlain / modes.zero.overheadVsPlain : null,
    },
  };
}
