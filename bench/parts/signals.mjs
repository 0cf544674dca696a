/**
 * Part 7: what metrics and logs cost on top of traces. The same generated service (variant `batch`) under
 * the same closed-loop load on GET /bench-logged/{id} (one server span, one child span, one log record
 * written inside it), once with traces only (OTEL_METRICS_EXPORTER=none, OTEL_LOGS_EXPORTER=none) and once
 * with the generated defaults (traces, metrics and logs over OTLP). Modes interleaved, median of reps.
 * Reported, not judged: there is no threshold.
 */
import { startCollector } from '../lib/collectors.mjs';
import { runLoad } from '../lib/load.mjs';
import { startService } from '../lib/service.mjs';
import { median } from '../lib/stats.mjs';
import { commonEnv, modeService, TRACES_ONLY } from './overhead.mjs';

export const SIGNALS_MODES = [
  {
    id: 'off',
    label: 'telemetry off (`OTEL_SDK_DISABLED=true`)',
    variant: 'batch',
    env: { OTEL_SDK_DISABLED: 'true' },
  },
  { id: 'traces', label: 'traces only', variant: 'batch', env: TRACES_ONLY },
  { id: 'all', label: 'traces, metrics and logs (the generated defaults)', variant: 'batch', env: {} },
];

async function oneRun(ws, mode, cfg) {
  const collector = await startCollector('up');
  let svc;
  try {
    svc = await startService({
      ...modeService(ws, mode),
      label: `signals-${mode.id}`,
      env: commonEnv(ws, collector.endpoint, { OTEL_SERVICE_NAME: `bench-signals-${mode.id}`, ...mode.env }),
    });
    const url = `${svc.base}/bench-logged/12345`;
    const warm = await runLoad({ url, connections: cfg.connections, durationSec: cfg.warmupSec });
    const cpu0 = svc.cpuSeconds();
    const load = await runLoad({ url, connections: cfg.connections, durationSec: cfg.durationSec });
    const cpu1 = svc.cpuSeconds();
    await svc.stop(15_000);
    svc = undefined;
    const served = warm.sent + load.sent;
    const r = collector.receiver;
    return {
      mode: mode.id,
      rps: load.rps,
      p99: load.p99,
      errors: load.errors + load.non2xx + warm.errors + warm.non2xx,
      cpuMsPerReq: ((cpu1 - cpu0) * 1000) / load.requests2xx,
      spansPerReq: r.spans.length / served,
      logsPerReq: r.logs.length / served,
      metricPoints: r.metrics.length,
    };
  } finally {
    if (svc) await svc.dispose();
    await collector.close();
  }
}

export async function runSignals(
  ws,
  { reps = 3, durationSec = 4, warmupSec = 1, connections = 8 } = {},
  log = console.log,
) {
  const cfg = { reps, durationSec, warmupSec, connections };
  const runs = [];
  for (let rep = 0; rep < reps; rep++) {
    const order = SIGNALS_MODES.map((_, i) => SIGNALS_MODES[(i + rep) % SIGNALS_MODES.length]);
    for (const mode of order) {
      const r = await oneRun(ws, mode, cfg);
      runs.push({ ...r, rep });
      log(
        `  [${rep + 1}/${reps}] ${mode.id.padEnd(7)} ${r.rps.toFixed(0).padStart(5)} req/s  p99 ${r.p99.toFixed(2)} ms  CPU ${r.cpuMsPerReq.toFixed(3)} ms/req  ` +
          `${r.spansPerReq.toFixed(2)} spans/req  ${r.logsPerReq.toFixed(2)} logs/req  ${r.metricPoints} metric points  errors ${r.errors}`,
      );
    }
  }
  const modes = {};
  for (const mode of SIGNALS_MODES) {
    const mine = runs.filter((r) => r.mode === mode.id);
    modes[mode.id] = {
      label: mode.label,
      rps: median(mine.map((r) => r.rps)),
      p99: median(mine.map((r) => r.p99)),
      cpuMsPerReq: median(mine.map((r) => r.cpuMsPerReq)),
      cpuMsPerReqAll: mine.map((r) => r.cpuMsPerReq),
      spansPerReq: median(mine.map((r) => r.spansPerReq)),
      logsPerReq: median(mine.map((r) => r.logsPerReq)),
      metricPoints: median(mine.map((r) => r.metricPoints)),
      errors: mine.reduce((a, r) => a + r.errors, 0),
    };
  }
  return {
    config: { ...cfg, route: 'GET /bench-logged/{item_id}', workers: 1 },
    runs,
    modes,
    // CPU per request over telemetry off, and what metrics and logs add to traces alone.
    tracesUs: (modes.traces.cpuMsPerReq - modes.off.cpuMsPerReq) * 1000,
    allUs: (modes.all.cpuMsPerReq - modes.off.cpuMsPerReq) * 1000,
    addedUs: (modes.all.cpuMsPerReq - modes.traces.cpuMsPerReq) * 1000,
  };
}
