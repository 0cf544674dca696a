/** The node part's runs folded into medians per framework and mode, and its goals (bench/parts/node.mjs). */
import { median } from './stats.mjs';

/** Targets of issue #22 for Node (bench/RESULTS.md renders them). */
export const NODE_GOALS = { cpuRatio: 0.7, offWithinUs: 10, tailRatio: 2 };

const MEMORY_KEYS = [
  'rssMiB',
  'heapCommittedMiB',
  'heapUsedMiB',
  'codeUsedMiB',
  'objectsUsedMiB',
  'externalMiB',
  'nativeMiB',
];

/** The median of each key over the rows. */
const medians = (rows, keys) => Object.fromEntries(keys.map((k) => [k, median(rows.map((r) => r?.[k]))]));
const total = (rows, key) => rows.reduce((a, r) => a + (r[key] ?? 0), 0);

function summariseModes(modes, runs) {
  const out = {};
  for (const mode of modes) {
    const mine = runs.filter((r) => r.mode === mode.id);
    out[mode.id] = {
      label: mode.label,
      protocol: mode.protocol,
      ...medians(mine, ['rps', 'p50', 'p99', 'cpuMsPerReq', 'spansPerReq']),
      cpuMsPerReqAll: mine.map((r) => r.cpuMsPerReq),
      errors: total(mine, 'errors'),
      memory: medians(
        mine.map((r) => r.memory),
        MEMORY_KEYS,
      ),
    };
  }
  for (const m of Object.values(out)) {
    m.overheadVsOff = m.cpuMsPerReq - out.off.cpuMsPerReq;
    m.overheadVsPlain = m.cpuMsPerReq - out.plain.cpuMsPerReq;
  }
  return out;
}

function summariseTail(tails) {
  const of = (id) => {
    const mine = tails.filter((r) => r.mode === id);
    return {
      ...medians(mine, ['p50', 'p99']),
      p99All: mine.map((r) => r.p99),
      max: Math.max(...mine.map((r) => r.max ?? 0)),
      errors: total(mine, 'errors'),
    };
  };
  const off = of('off');
  const ours = of('ours');
  const ratio = off.p99 > 0 ? ours.p99 / off.p99 : null;
  return { off, ours, ratio, met: ratio != null && ratio <= NODE_GOALS.tailRatio && ours.errors === 0 };
}

/** Medians per mode of the closed-loop runs, with the CPU each adds over no OpenTelemetry. */
function summariseSaturated(runs = []) {
  const ids = [...new Set(runs.map((r) => r.mode))];
  const out = Object.fromEntries(
    ids.map((id) => {
      const mine = runs.filter((r) => r.mode === id);
      return [
        id,
        { ...medians(mine, ['rps', 'cpuMsPerReq', 'spansPerReq']), cpuMsPerReqAll: mine.map((r) => r.cpuMsPerReq) },
      ];
    }),
  );
  for (const m of Object.values(out)) m.overheadVsPlain = out.plain ? m.cpuMsPerReq - out.plain.cpuMsPerReq : null;
  return out;
}

function summariseFramework(app, m) {
  const modes = summariseModes(m.modes, m.runs);
  const saturated = summariseSaturated(m.saturated);
  const ours = modes.ours.overheadVsPlain;
  const zero = modes.zero.overheadVsPlain;
  const pacedOffUs = (modes.off.cpuMsPerReq - modes.plain.cpuMsPerReq) * 1000;
  // Read at saturation when measured: at 400 requests/s one clock tick of CPU is about 6 µs per request.
  const offUs = saturated.off && saturated.plain ? saturated.off.overheadVsPlain * 1000 : pacedOffUs;
  const cpuRatio = zero > 0 ? ours / zero : null;
  return {
    versions: app.versions,
    defaults: app.defaults,
    modes,
    tail: summariseTail(m.tails),
    saturated,
    profiles: m.profiles,
    cpu: {
      oursUs: ours * 1000,
      zeroUs: zero * 1000,
      ratio: cpuRatio,
      met: cpuRatio != null && cpuRatio <= NODE_GOALS.cpuRatio,
    },
    off: { us: offUs, pacedUs: pacedOffUs, atSaturation: offUs !== pacedOffUs, met: offUs <= NODE_GOALS.offWithinUs },
  };
}

export function summariseNode({ ws, cfg, shutdown, measured, spansPerRequest }) {
  const frameworks = Object.fromEntries(
    Object.entries(measured).map(([fw, m]) => [fw, summariseFramework(ws.frameworks[fw], m)]),
  );
  const goalRuns = shutdown.filter((r) => r.goal);
  const every = (key) => Object.values(frameworks).every((f) => f[key].met);
  return {
    config: { ...cfg, route: 'GET /bench/:item_id', expectedSpansPerRequest: spansPerRequest, workers: 1 },
    node: ws.nodeVersion,
    frameworks,
    shutdown,
    runs: Object.fromEntries(
      Object.entries(measured).map(([fw, m]) => [fw, { overhead: m.runs, tail: m.tails, saturated: m.saturated }]),
    ),
    goal: {
      target: `0 spans lost on SIGTERM at N = ${cfg.n}, the generated Node services`,
      lost: goalRuns.map((r) => ({ scenario: r.scenario, lost: r.lost })),
      met: goalRuns.length > 0 && goalRuns.every((r) => r.lost === 0 && r.requestsFailed === 0 && !r.stop.killed),
    },
    goals: { cpu: every('cpu'), off: every('off'), tail: Object.values(frameworks).every((f) => f.tail.met) },
  };
}
