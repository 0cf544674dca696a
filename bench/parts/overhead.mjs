/**
 * Part 2: instrumentation overhead under load, every mode in the same run, interleaved, median of reps.
 *
 * Each run: fresh OTLP receiver, fresh service, warm-up, then a closed-loop autocannon load on the no-sleep
 * route GET /bench/{id}; server CPU = utime+stime of the service's process group sampled right after the
 * warm-up and right after the load; RSS of the group when ready and right after the load; spans counted by
 * the receiver after a graceful stop (SIGTERM), so the final flush is included.
 *
 * Targets: the generated FastAPI service (every mode of OVERHEAD_MODES; the goal), then Starlette, Flask
 * and Django (FRAMEWORK_MODE_IDS; reported). A mode is one entry of OVERHEAD_MODES: the variant it runs
 * (lib/workspace.mjs, lib/framework-variants.mjs), its environment and, for an exporter, its OTLP protocol.
 */
import { endpointFor, startCollector } from '../lib/collectors.mjs';
import { exportCost } from '../lib/export-cost.mjs';
import { fastapiTarget, prepareFrameworkTargets } from '../lib/framework-variants.mjs';
import { measureOverhead } from '../lib/load.mjs';
import { memoryCensus } from '../lib/memory-census.mjs';
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
  // The server's own flags follow: without this, the wrapper's argparse takes gunicorn's --config for an
  // abbreviation of its own options.
  '--',
];

/** The generated service exports all three signals by default; these modes compare traces alone. */
export const TRACES_ONLY = { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' };

/** The OTLP protocol a generated service exports with when OTEL_EXPORTER_OTLP_PROTOCOL is unset. */
export function generatedProtocol(ws) {
  return ws.options.exporter === 'otlp-http' ? 'http/protobuf' : 'grpc';
}

/** The opentelemetry-distro's default protocol, which the zero-code wrapper uses unless told otherwise. */
const DISTRO_PROTOCOL = 'grpc';

/**
 * Every mode, in one place. `protocol` forces OTEL_EXPORTER_OTLP_PROTOCOL (and the receiver port that
 * matches it); without it a mode uses its default (the generated one, or the distro's for the wrapper).
 * `when(ws)` leaves a mode out (the explicit protocol that is already the generated default).
 */
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
    label:
      'our wiring → receiver (FastAPI’s own instrumentation, BatchSpanProcessor, sampler ratio 1.0, generated protocol)',
    variant: 'batch',
    env: TRACES_ONLY,
  },
  // The protocol that is not the generated default, to choose the default from the per-span cost.
  {
    id: 'grpc',
    label: 'our wiring, OTLP/gRPC (`OTEL_EXPORTER_OTLP_PROTOCOL=grpc`)',
    variant: 'batch',
    protocol: 'grpc',
    env: TRACES_ONLY,
    when: (ws) => generatedProtocol(ws) !== 'grpc',
  },
  {
    id: 'http',
    label: 'our wiring, OTLP/HTTP protobuf (`OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`)',
    variant: 'batch',
    protocol: 'http/protobuf',
    env: TRACES_ONLY,
    when: (ws) => generatedProtocol(ws) !== 'http/protobuf',
  },
  {
    id: 'zero',
    label: 'zero-code `opentelemetry-instrument` → receiver (gRPC, the distro default)',
    variant: 'plain',
    zeroCode: true,
    wrapper: true,
  },
  {
    id: 'zerohttp',
    label: 'zero-code wrapper, OTLP/HTTP protobuf',
    variant: 'plain',
    zeroCode: true,
    wrapper: true,
    protocol: 'http/protobuf',
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

/**
 * The modes run for Starlette, Flask and Django (their variants: `batch` as generated, `plain`); the
 * protocols are compared on FastAPI, where the spans-made-but-not-exported row isolates the export.
 */
export const FRAMEWORK_MODE_IDS = ['off', 'ours', 'zero', 'plain'];

/** The modes that export spans over OTLP with our wiring, by protocol: the per-span comparison. */
const OUR_EXPORTING_MODES = ['ours', 'grpc', 'http'];

function modesFor(ws, ids) {
  return OVERHEAD_MODES.filter((m) => (!ids || ids.includes(m.id)) && (!m.when || m.when(ws)));
}

export function modeProtocol(ws, mode) {
  return mode.protocol ?? (mode.zeroCode ? DISTRO_PROTOCOL : generatedProtocol(ws));
}

export function modeService(ws, mode, target = fastapiTarget(ws)) {
  return {
    dir: target.variants[mode.variant],
    venv: mode.zeroCode ? target.zeroVenv : target.venv,
    wrapper: mode.wrapper ? ZERO_CODE_WRAPPER : [],
    frameworkName: target.frameworkName,
  };
}

/** Env every service gets: the collector endpoint, plaintext on loopback, same excluded URLs. */
export function commonEnv(ws, endpoint, extra = {}) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_INSECURE: 'true',
    // The generated app reads this too; the zero-code wrapper needs it to skip /healthz like our wiring.
    OTEL_PYTHON_FASTAPI_EXCLUDED_URLS: ws.options.excludedUrls.join(','),
    ...extra,
  };
}

/** The environment of `mode` on `target` with the exporter pointed at `endpoint`. */
export function modeEnv(ws, target, mode, endpoint, extra = {}) {
  return commonEnv(ws, endpoint, {
    // Every framework's instrumentation reads this one when its own variable is unset.
    OTEL_PYTHON_EXCLUDED_URLS: ws.options.excludedUrls.join(','),
    ...target.env,
    ...(mode.protocol ? { OTEL_EXPORTER_OTLP_PROTOCOL: mode.protocol } : {}),
    ...(mode.env ?? {}),
    ...extra,
  });
}

async function oneRun(ws, target, mode, cfg) {
  const collector = await startCollector('up');
  let svc;
  try {
    svc = await startService({
      ...modeService(ws, mode, target),
      label: `overhead-${target.name}-${mode.id}`,
      env: modeEnv(ws, target, mode, endpointFor(collector, modeProtocol(ws, mode)), {
        OTEL_SERVICE_NAME: `bench-${mode.id}`,
      }),
    });
    const measured = await measureOverhead(svc, collector, cfg);
    svc = undefined;
    return { mode: mode.id, ...measured };
  } finally {
    if (svc) await svc.dispose();
    await collector.close();
  }
}

/** Medians per mode, and what each costs over tracing off, over no OpenTelemetry and per exported span. */
function summarise(ws, modes, runs) {
  const out = {};
  for (const mode of modes) {
    const mine = runs.filter((r) => r.mode === mode.id);
    const med = (key) => median(mine.map((r) => r[key]));
    out[mode.id] = {
      label: mode.label,
      protocol: mode.id === 'off' || mode.id === 'plain' || mode.id === 'noexport' ? null : modeProtocol(ws, mode),
      rps: med('rps'),
      p50: med('p50'),
      p99: med('p99'),
      p99All: mine.map((r) => r.p99),
      cpuMsPerReq: med('cpuMsPerReq'),
      cpuMsPerReqAll: mine.map((r) => r.cpuMsPerReq),
      spansPerReq: med('spansPerReq'),
      rssStartMiB: med('rssStartMiB'),
      rssMiB: med('rssMiB'),
      stopMs: med('stopMs'),
      errors: mine.reduce((a, r) => a + r.errors, 0),
    };
  }
  const off = out.off?.cpuMsPerReq;
  const plain = out.plain?.cpuMsPerReq;
  const noexport = out.noexport?.cpuMsPerReq;
  for (const [id, m] of Object.entries(out)) {
    m.overheadVsOff = off == null ? null : m.cpuMsPerReq - off;
    m.overheadVsPlain = plain == null ? null : m.cpuMsPerReq - plain;
    m.overheadPerSpanUs = m.spansPerReq > 0.05 ? (m.overheadVsOff * 1000) / m.spansPerReq : null;
    // Batching, encoding and sending one span: our wiring exporting, minus the same spans made but not exported.
    m.exportUsPerSpan =
      OUR_EXPORTING_MODES.includes(id) && noexport != null && m.spansPerReq > 0.05
        ? ((m.cpuMsPerReq - noexport) * 1000) / m.spansPerReq
        : null;
  }
  return out;
}

/** Runs `reps` rounds; in each, every target runs its modes back to back in an order rotated per rep. */
async function runRounds(ws, plan, cfg, log) {
  const runs = plan.map(() => []);
  for (let rep = 0; rep < cfg.reps; rep++) {
    for (const [i, { target, modes }] of plan.entries()) {
      // Rotate the order each rep so that drift of a noisy machine does not always hit the same mode.
      const order = modes.map((_, k) => modes[(k + rep) % modes.length]);
      for (const mode of order) {
        const r = await oneRun(ws, target, mode, { ...cfg, ...(plan[i].load ?? {}) });
        runs[i].push({ ...r, stopMs: r.stop?.groupExitMs ?? null, rep });
        log(
          `  [${rep + 1}/${cfg.reps}] ${`${target.name}:${mode.id}`.padEnd(18)} ${r.rps.toFixed(0).padStart(5)} req/s  p99 ${r.p99.toFixed(2)} ms  ` +
            `CPU ${r.cpuMsPerReq.toFixed(3)} ms/req  ${r.spansPerReq.toFixed(2)} spans/req  RSS ${r.rssMiB.toFixed(0)} MiB  errors ${r.errors}`,
        );
      }
    }
  }
  return runs;
}

function goalOf(modes) {
  const ours = modes.ours.overheadVsOff;
  const zero = modes.zero.overheadVsOff;
  return {
    target: 'our CPU overhead per traced request ≤ 0.5 × the zero-code wrapper’s',
    ours,
    zero,
    ratio: zero > 0 ? ours / zero : null,
    met: zero > 0 && ours <= 0.5 * zero,
    // The same comparison against the app without any OpenTelemetry (not the issue's definition).
    oursVsPlain: modes.ours.overheadVsPlain,
    zeroVsPlain: modes.zero.overheadVsPlain,
    ratioVsPlain: modes.zero.overheadVsPlain > 0 ? modes.ours.overheadVsPlain / modes.zero.overheadVsPlain : null,
  };
}

export async function runOverhead(
  ws,
  { reps = 3, durationSec = 5, warmupSec = 1.5, connections = 8, frameworks = true, frameworkRate = 400 } = {},
  log = console.log,
) {
  const cfg = { reps, durationSec, warmupSec, connections, frameworkRate };
  const others = frameworks ? await prepareFrameworkTargets(log) : [];
  for (const t of others.filter((x) => x.error)) log(`  ${t.name}: not measured (${t.error})`);
  const plan = [
    { target: fastapiTarget(ws), modes: modesFor(ws) },
    // gunicorn's sync worker closes every connection: a closed loop there measures reconnects (seconds of
    // p99), so the other frameworks get the open-loop load of the tail-latency goal instead.
    ...others
      .filter((t) => !t.error)
      .map((target) => ({ target, modes: modesFor(ws, FRAMEWORK_MODE_IDS), load: { rate: frameworkRate } })),
  ];
  const runs = await runRounds(ws, plan, cfg, log);
  const modes = summarise(ws, plan[0].modes, runs[0]);
  const frameworkResults = others.map((t) => {
    const i = plan.findIndex((p) => p.target === t);
    if (i < 0) return { name: t.name, displayName: t.displayName, error: t.error };
    const m = summarise(ws, plan[i].modes, runs[i]);
    return { name: t.name, displayName: t.displayName, server: t.server, modes: m, runs: runs[i], goal: goalOf(m) };
  });
  log('  memory: RSS, modules and Python allocations after importing each variant');
  // FastAPI's variants only: the other frameworks add the same packages (their RSS after the load is above).
  const memory = await memoryCensus(
    plan.slice(0, 1),
    (target, mode, endpoint) => ({ ...modeService(ws, mode, target), env: modeEnv(ws, target, mode, endpoint) }),
    log,
  );
  log('  export cost per span, the exporter alone: gRPC against OTLP/HTTP protobuf');
  const exporters = await exportCost(ws, { rounds: cfg.reps < 3 ? 5 : 15 });
  log(
    exporters.error
      ? `    not measured (${exporters.error})`
      : `    CPU µs/span: ${Object.entries(exporters.cpuUsPerSpan)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')}`,
  );
  return {
    exportCost: exporters,
    config: {
      ...cfg,
      route: 'GET /bench/{item_id}',
      expectedSpansPerRequest: BENCH_SPANS_PER_REQUEST,
      serverFlags: '--no-access-log',
      workers: 1,
      generatedProtocol: generatedProtocol(ws),
    },
    runs: runs[0],
    modes,
    frameworks: frameworkResults,
    memory,
    goal: goalOf(modes),
  };
}
