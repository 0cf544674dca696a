/** RESULTS.md section for the node part: the generated Express and Fastify services, and its goal rows. */
import { NODE_GOALS } from './node-summary.mjs';
import { NOT_TRACING } from './node-profile.mjs';
import { fmt, signed } from './stats.mjs';
import { row, status } from './markdown.mjs';

const us = (ms) => fmt(ms * 1000, 0);
const MODE_ORDER = ['off', 'ours', 'proto', 'batch', 'unbound', 'fotel', 'zero', 'plain'];

function exitText(r, graceMs) {
  if (r.signal === 'SIGKILL') return 'killed at once';
  if (r.stop.killed) return `no exit within ${graceMs / 1000} s → SIGKILL`;
  return `${r.stop.exitSignal ? `by ${r.stop.exitSignal}` : `code ${r.stop.exitCode}`} after ${fmt(r.stop.mainExitMs / 1000, 2)} s`;
}

function shutdownTable(d) {
  const c = d.config;
  return [
    `N = ${c.n} requests to \`${c.route}\` with distinct ids (${c.concurrency} in flight), then the signal right after the last response; SIGTERM to the \`node\` process, SIGKILL to its process group. Spans expected = 2 × requests answered; only the route's server span (recognised by its path) and manual child are counted.`,
    '',
    row(['Scenario', 'requests', 'spans expected', 'received', 'lost', 'exit', 'server span named', 'other spans']),
    row(['---', '---:', '---:', '---:', '---:', '---', '---', '---:']),
    ...d.shutdown.map((r) =>
      row([
        r.label,
        r.requestsOk + (r.requestsFailed ? ` (+${r.requestsFailed} failed)` : ''),
        r.expected,
        r.received,
        `**${r.lost}**`,
        exitText(r, c.stopGraceMs),
        (r.serverNames ?? []).map((n) => `\`${n}\``).join(', ') || '—',
        r.otherSpans,
      ]),
    ),
    '',
  ];
}

function overheadTable(f) {
  const order = MODE_ORDER.filter((id) => f.modes[id]);
  const header = ['Mode', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/request', 'vs no OTel µs', 'vs tracing off µs'];
  return [
    row([
      ...header,
      'spans/request',
      'RSS MiB',
      'JS heap (code / objects) MiB',
      'external MiB',
      'native MiB',
      'errors',
    ]),
    row(['---', ...Array(header.length + 5).fill('---:')]),
    ...order.map((id) => {
      const m = f.modes[id];
      const mem = m.memory ?? {};
      return row([
        m.label,
        fmt(m.rps, 0),
        fmt(m.p50, 2),
        fmt(m.p99, 2),
        us(m.cpuMsPerReq),
        id === 'plain' ? '0 (reference)' : signed(m.overheadVsPlain * 1000, 0),
        id === 'off' ? '0 (baseline)' : signed(m.overheadVsOff * 1000, 0),
        fmt(m.spansPerReq, 2),
        fmt(mem.rssMiB, 1),
        `${fmt(mem.heapCommittedMiB, 1)} (${fmt(mem.codeUsedMiB, 1)} / ${fmt(mem.objectsUsedMiB, 1)})`,
        fmt(mem.externalMiB, 1),
        fmt(mem.nativeMiB, 1),
        m.errors,
      ]);
    }),
    '',
  ];
}

/** What the traced service's RSS adds over the untraced app, and over the zero-code path. */
function memoryNote(fw, f) {
  const { ours, plain, zero } = f.modes;
  const diff = (a, b, k) => signed((a.memory?.[k] ?? NaN) - (b.memory?.[k] ?? NaN), 1);
  return `- ${fw} RSS after the load: traced ${fmt(ours.memory?.rssMiB, 1)} MiB, untraced ${fmt(plain.memory?.rssMiB, 1)} MiB, zero-code ${fmt(zero.memory?.rssMiB, 1)} MiB. Traced over untraced ${diff(ours, plain, 'rssMiB')} MiB: JS heap committed ${diff(ours, plain, 'heapCommittedMiB')} (compiled code ${diff(ours, plain, 'codeUsedMiB')}, live objects ${diff(ours, plain, 'objectsUsedMiB')}: the SDK's, the exporter's and the instrumentations' modules and the span queue), Buffers ${diff(ours, plain, 'externalMiB')}, native ${diff(ours, plain, 'nativeMiB')}. Against the zero-code path ${diff(ours, zero, 'rssMiB')} MiB (it loads every instrumentation it ships).`;
}

/** When the tail goal is missed: how much the untraced p99 moved, and how long one export holds the event loop. */
function tailMissNote(f, c) {
  const t = f.tail;
  if (t.met || t.ratio == null) return '';
  const offs = t.off.p99All.filter((x) => x != null);
  const ours = f.profiles?.find((p) => p.mode === 'ours');
  const roles = ours?.roles ?? {};
  const exportUs = Object.entries(roles)
    .filter(([role]) => role.startsWith('export:'))
    .reduce((a, [, x]) => a + (x ?? 0), 0);
  const requestsPerExport = f.defaults.batch / (f.modes.ours.spansPerReq || 2);
  const perExportMs = ours ? (exportUs * requestsPerExport) / 1000 : undefined;
  // Requests arriving during one stall, over the requests between two exports.
  const delayedPct = perExportMs == null ? undefined : (100 * ((perExportMs * c.rate) / 1000 + 1)) / requestsPerExport;
  return ` Untraced p99 alone ranged ${fmt(Math.min(...offs), 1)}–${fmt(Math.max(...offs), 1)} ms between runs: at this load the tail is set by the scheduler, not the service.${perExportMs == null ? '' : ` One export of ${f.defaults.batch} spans holds the event loop for about ${fmt(perExportMs, 1)} ms (encoding and sending in the profile, ${fmt(exportUs, 0)} µs per request), once per ${fmt(requestsPerExport, 0)} requests: at ${c.rate} requests/s it delays about ${fmt(delayedPct, 1)} % of them, ${delayedPct < 1 ? 'below what moves p99' : 'enough to move p99'}.`}`;
}

function tailLine(fw, f, c) {
  const t = f.tail;
  return `- ${fw}: traced p99 ${fmt(t.ours.p99, 2)} ms against ${fmt(t.off.p99, 2)} ms with tracing off at ${c.rate} requests/s (${fmt(t.ratio, 2)} ×; goal ≤ ${NODE_GOALS.tailRatio} ×: ${status(t.met)}); per run ${t.ours.p99All.map((x) => fmt(x, 2)).join('/')} vs ${t.off.p99All.map((x) => fmt(x, 2)).join('/')} ms; client errors ${t.ours.errors}.${tailMissNote(f, c)}`;
}

function profileTable(f) {
  const profiles = f.profiles ?? [];
  if (!profiles.length) return [];
  const roles = [...new Set(profiles.flatMap((p) => Object.keys(p.roles)))].sort(
    (a, b) => NOT_TRACING.includes(a) - NOT_TRACING.includes(b) || a.localeCompare(b),
  );
  const by = Object.fromEntries(profiles.map((p) => [p.mode, p]));
  const cols = ['ours', 'zero', 'plain'].filter((id) => by[id]);
  return [
    row([
      'Where the CPU goes, µs per request',
      ...cols.map((id) => (id === 'ours' ? 'our wiring' : id === 'zero' ? 'zero-code' : 'no OTel')),
    ]),
    row(['---', ...cols.map(() => '---:')]),
    ...roles.map((role) => row([role, ...cols.map((id) => fmt(by[id].roles[role] ?? 0, 0))])),
    row(['**total (CPU per request in the profiled run)**', ...cols.map((id) => `**${us(by[id].cpuMsPerReq)}**`)]),
    '',
  ];
}

/** The upstream change measured: the HTTP instrumentation not binding a traced request's emitters. */
function unboundLine(f, c) {
  const { unbound, ours } = f.modes;
  if (!unbound) return [];
  const s = f.saturated ?? {};
  const busy =
    s.unbound && s.ours
      ? `; at saturation ${fmt(s.unbound.overheadVsPlain * 1000, 1)} vs ${fmt(s.ours.overheadVsPlain * 1000, 1)} µs (${signed((s.unbound.overheadVsPlain - s.ours.overheadVsPlain) * 1000, 1)} µs, ${fmt(s.zero ? s.unbound.overheadVsPlain / s.zero.overheadVsPlain : Number.NaN, 2)} × the zero-code path's)`
      : '';
  return [
    `- Upstream change measured: \`@opentelemetry/instrumentation-http\` binds a traced request's request and response emitters to its context (every listener added later is wrapped, for every request); patched not to, our wiring's overhead over no OpenTelemetry is ${fmt(unbound.overheadVsPlain * 1000, 0)} vs ${fmt(ours.overheadVsPlain * 1000, 0)} µs at ${c.rate} requests/s${busy}. Binding lazily (when a listener needs the context) would keep context propagation for body events and save that.`,
  ];
}

/** When the CPU goal is missed: per-span costs, the gap, and where our cost goes by the profile. */
function cpuMissNote(f) {
  if (f.cpu.met || f.cpu.ratio == null) return [];
  const { ours, zero } = f.modes;
  const perSpan = (m, x) => fmt(x / (m.spansPerReq || Number.NaN), 0);
  const by = Object.fromEntries((f.profiles ?? []).map((p) => [p.mode, p.roles]));
  const added =
    by.ours && by.plain
      ? Object.keys(by.ours)
          .map((role) => [role, (by.ours[role] ?? 0) - (by.plain[role] ?? 0)])
          .sort((a, b) => b[1] - a[1])
          .slice(0, 5)
          .map(([role, x]) => `${role} ${signed(x, 0)} µs`)
          .join(', ')
      : undefined;
  return [
    `- **Missed**: 0.7 × needs ${fmt(f.cpu.oursUs - NODE_GOALS.cpuRatio * f.cpu.zeroUs, 0)} µs less per traced request. Per exported span ours costs ${perSpan(ours, f.cpu.oursUs)} µs and the zero-code path ${perSpan(zero, f.cpu.zeroUs)} µs (${fmt(zero.spansPerReq, 1)} spans per request against our ${fmt(ours.spansPerReq, 1)}, counted at the receiver after the stop: the zero-code path loses its last unexported batch on SIGTERM, see Shutdown above, and adds Express's own spans): both run the same SDK, HTTP instrumentation and exporter, and per request they cost about the same whatever the number of spans: most of the cost comes with each request (the server span's instrumentation, the context, the SDK's span objects), not with each exported span.${added ? ` What tracing adds in the profile (ours against no OTel): ${added}.` : ''} The wiring has nothing left to drop without recording less (the export settings are the measured cheapest, tracing off costs nothing): the remaining cost is upstream — \`@opentelemetry/instrumentation-http\` wrapping the request in context and computing the server span's attributes, the SDK's span objects (attribute cleaning, ids, the context manager's AsyncLocalStorage), the OTLP encoder — or sampling.`,
  ];
}

const MODE_NAMES = {
  off: 'tracing off',
  ours: 'our wiring',
  unbound: 'ours, HTTP instrumentation not binding the emitters',
  fotel: 'route by `@fastify/otel`',
  zero: 'zero-code',
  plain: 'no OTel',
};

/** The closed-loop comparison: CPU per request with the process always busy (no idle time amortised). */
function saturatedTable(f) {
  const s = f.saturated ?? {};
  const ids = Object.keys(MODE_NAMES).filter((id) => s[id]);
  if (ids.length === 0) return [];
  return [
    'At saturation (closed loop, 8 connections, 4 s; every mode with `OTEL_BSP_MAX_QUEUE_SIZE` raised so that its queue drops nothing, and its CPU counted until the backlog the load left has reached the receiver, so every mode pays for exporting what it recorded), medians of the same reps. Spans/request is counted after the stop: a mode that does not flush on SIGTERM loses its last partial batch.',
    '',
    row(['Mode', 'req/s', 'CPU µs/request', 'vs no OTel µs', 'spans/request', 'per run µs']),
    row(['---', '---:', '---:', '---:', '---:', '---']),
    ...ids.map((id) =>
      row([
        MODE_NAMES[id],
        fmt(s[id].rps, 0),
        fmt(s[id].cpuMsPerReq * 1000, 1),
        id === 'plain' ? '0 (reference)' : signed(s[id].overheadVsPlain * 1000, 1),
        fmt(s[id].spansPerReq, 2),
        s[id].cpuMsPerReqAll.map((x) => fmt(x * 1000, 1)).join(' / '),
      ]),
    ),
    ...(s.ours && s.zero
      ? ['', `At saturation ours ÷ zero-code: ${fmt(s.ours.overheadVsPlain / s.zero.overheadVsPlain, 2)} ×.`]
      : []),
    '',
  ];
}

/** @fastify/otel (as generated before 0.3.0) against the route hook, at 400 requests/s and at saturation. */
function fotelLine(f, c) {
  const { fotel, ours } = f.modes;
  if (!fotel) return [];
  const s = f.saturated ?? {};
  const busy =
    s.fotel && s.ours
      ? ` At saturation it adds ${fmt(s.fotel.overheadVsPlain * 1000, 1)} µs per request over no OpenTelemetry against the hook's ${fmt(s.ours.overheadVsPlain * 1000, 1)} µs (${fmt(s.fotel.overheadVsPlain / s.ours.overheadVsPlain, 2)} ×).`
      : '';
  return [
    `- The route named by \`@fastify/otel\` instead of the generated hook, at ${c.rate} requests/s: ${signed((fotel.cpuMsPerReq - ours.cpuMsPerReq) * 1000, 0)} µs per request (overhead over no OpenTelemetry ${fmt(fotel.overheadVsPlain * 1000, 0)} vs ${fmt(ours.overheadVsPlain * 1000, 0)} µs), p99 ${fmt(fotel.p99, 2)} vs ${fmt(ours.p99, 2)} ms.${busy} What it adds per request: its onRequest/onSend/onResponse hooks, a non-recording "request" span and a context switch.`,
  ];
}

function frameworkSection(fw, f, c) {
  const ratio = f.cpu.ratio == null ? '—' : `${fmt(f.cpu.ratio, 2)} ×`;
  return [
    `### ${fw}`,
    '',
    `${Object.entries(f.versions)
      .map(([k, x]) => `${k} ${x}`)
      .join(', ')}. Generated defaults: OTLP ${f.defaults.protocol}, export batches of ${f.defaults.batch}.`,
    '',
    ...overheadTable(f),
    `- CPU overhead per traced request over no OpenTelemetry: ours **${fmt(f.cpu.oursUs, 0)} µs**, the zero-code path **${fmt(f.cpu.zeroUs, 0)} µs** (${ratio}; goal ≤ ${NODE_GOALS.cpuRatio} ×: ${status(f.cpu.met)}). Per-run CPU µs/request: ${MODE_ORDER.filter(
      (id) => f.modes[id],
    )
      .map((id) => `${id} ${f.modes[id].cpuMsPerReqAll.map((x) => us(x)).join('/')}`)
      .join('; ')}.`,
    ...cpuMissNote(f),
    ...unboundLine(f, c),
    `- Tracing off (\`OTEL_SDK_DISABLED=true\`) costs ${fmt(f.off.us, f.off.atSaturation ? 1 : 0)} µs per request over no OpenTelemetry${f.off.atSaturation ? ` at saturation (${signed(f.off.pacedUs, 0)} µs at ${c.rate} requests/s, where /proc's CPU time, in 10 ms ticks, resolves ${fmt(10_000 / (c.rate * c.durationSec), 1)} µs per request)` : ''} (goal ≤ ${NODE_GOALS.offWithinUs} µs: ${status(f.off.met)}): the telemetry module constructs no instrumentation and registers no loader hook, so nothing is patched.`,
    ...(f.modes.proto
      ? [
          `- ${f.modes.proto.protocol} instead of ${f.modes.ours.protocol}: ${signed((f.modes.proto.cpuMsPerReq - f.modes.ours.cpuMsPerReq) * 1000, 0)} µs per request, p99 ${fmt(f.modes.proto.p99, 2)} vs ${fmt(f.modes.ours.p99, 2)} ms, RSS ${signed(f.modes.proto.memory?.rssMiB - f.modes.ours.memory?.rssMiB, 1)} MiB.`,
        ]
      : []),
    ...(f.modes.batch
      ? [
          `- ${f.modes.batch.label.replace('our wiring, ', '')}: ${signed((f.modes.batch.cpuMsPerReq - f.modes.ours.cpuMsPerReq) * 1000, 0)} µs per request, p99 ${fmt(f.modes.batch.p99, 2)} vs ${fmt(f.modes.ours.p99, 2)} ms.`,
        ]
      : []),
    ...fotelLine(f, c),
    memoryNote(fw, f),
    tailLine(fw, f, c),
    '',
    ...saturatedTable(f),
    ...profileTable(f),
  ];
}

/** Why the zero-code path loses spans on SIGTERM, when it does. */
function zeroStopNote(d) {
  const z = d.shutdown.find((r) => r.scenario.endsWith('-zero-term'));
  if (!z || z.lost === 0 || z.stop.killed) return [];
  return [
    `- The zero-code path lost ${z.lost} of ${z.expected} spans on SIGTERM: its register module adds its own SIGTERM listener that starts \`sdk.shutdown()\`, but nothing waits for it — the app's handler (the same app, with its telemetry module replaced by no-ops) drains and calls \`process.exit()\`, which ends the flush. Without an app handler the listener would flush and leave the server running. Its server spans are named \`GET\` (no route).`,
    '',
  ];
}

/** The node part's rows of the Goals table. */
export function nodeGoalRows(d) {
  const fws = d ? Object.entries(d.frameworks ?? {}) : [];
  const per = (fn) => fws.map(([fw, f]) => `${fw} ${fn(f)}`).join('; ') || '—';
  return [
    [
      '7. Node shutdown',
      `0 spans lost on SIGTERM at N = ${d?.config.n ?? 1000}, generated Express and Fastify services`,
      d ? d.goal.lost.map((l) => `${l.scenario}: ${l.lost} lost`).join('; ') : '—',
      status(d?.goal.met),
    ],
    [
      '7. Node CPU',
      `overhead per traced request ≤ ${NODE_GOALS.cpuRatio} × the zero-code path's (over no OTel)`,
      per((f) => `${fmt(f.cpu.oursUs, 0)} vs ${fmt(f.cpu.zeroUs, 0)} µs (${fmt(f.cpu.ratio, 2)} ×)`),
      status(d?.goals?.cpu),
    ],
    [
      '7. Node tracing off',
      `within ${NODE_GOALS.offWithinUs} µs of no OTel`,
      per((f) => `${signed(f.off.us, 0)} µs`),
      status(d?.goals?.off),
    ],
    [
      '7. Node tail',
      `traced p99 ≤ ${NODE_GOALS.tailRatio} × untraced at ${d?.config.rate ?? 400} requests/s`,
      per((f) => `${fmt(f.tail.ours.p99, 2)} vs ${fmt(f.tail.off.p99, 2)} ms (${fmt(f.tail.ratio, 2)} ×)`),
      status(d?.goals?.tail),
    ],
  ];
}

export function nodeSection(part) {
  const d = part?.data;
  const title = '## 7. Node: the generated Express and Fastify services';
  if (!d?.frameworks) return `${title}\n\nNot run yet: \`npm run bench -- node\`.\n`;
  const c = d.config;
  return [
    title,
    '',
    `Generated with \`--framework <name>\`, built, run with its own start command (\`node --import ./dist/telemetry.js …\`) on Node ${d.node}. The method of parts 2 to 5.${part.quick ? ' **--quick run: small sizes, not for publishing.**' : ''}`,
    '',
    '### Shutdown',
    '',
    ...shutdownTable(d),
    ...zeroStopNote(d),
    '### CPU, memory and tail latency per framework',
    '',
    `Paced open-loop load at ${c.rate} requests/s (bench/lib/paced-load.mjs) on \`${c.route}\` (no sleep; server span + one manual child), ${c.warmupSec} s warm-up then ${c.durationSec} s measured, every mode started fresh with its own receiver, modes interleaved in rotating order, **median of ${c.reps} runs**. CPU = utime+stime of the service's process group from /proc, per request answered. RSS read right after the load, then split by Node's diagnostic report (\`--report-on-signal\`): JS heap committed (of it compiled code and live objects), Buffers (external), and the rest (native: the node binary, libuv, malloc). The zero-code rows run the same app with its telemetry module replaced by no-ops, under \`node --import @opentelemetry/auto-instrumentations-node/register\` with its defaults (every instrumentation it ships), traces only. Tail: open-loop paced load (bench/lib/paced-load.mjs, latency from when each request was due) at ${c.rate} requests/s for ${c.tailSec} s after ${c.warmupSec} s warm-up, traced against tracing off, medians of ${c.reps}. At that rate a process is mostly idle between requests, so the CPU per request includes what waking up costs; the saturation table (closed loop) has none of it. Profile: one more run per mode at the same rate under \`node --cpu-prof\` (V8's sampler), every sample charged to the innermost npm package on its stack (what a package asks Node to do is its cost), the shares scaled to the CPU per request of that run.`,
    '',
    ...(part.load
      ? [
          `1-minute load average ${fmt(part.load[0], 1)} before and ${fmt(part.load[1], 1)} after on ${part.machine?.cores ?? '?'} cores: the machine was shared, so absolute figures are high; the difference between modes run interleaved is the figure to read.`,
          '',
        ]
      : []),
    ...Object.entries(d.frameworks).flatMap(([fw, f]) => frameworkSection(fw, f, c)),
  ].join('\n');
}
