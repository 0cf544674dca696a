/** RESULTS.md section for the node part: the generated Express service, shutdown and overhead rows. */
import { fmt, signed } from './stats.mjs';

const row = (cells) => `| ${cells.join(' | ')} |`;

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

function overheadTable(d) {
  const c = d.config;
  const order = ['off', 'ours', 'ours512', 'zero', 'plain'].filter((id) => d.modes[id]);
  return [
    `Closed-loop autocannon load on \`${c.route}\` (no sleep; server span + one manual child), ${c.connections} connections, ${c.warmupSec} s warm-up then ${c.durationSec} s measured, every mode started fresh with its own receiver, modes interleaved in rotating order, **median of ${c.reps} runs**. CPU = utime+stime of the service's process group from /proc, per request answered. The zero-code row runs the same app with its telemetry module replaced by no-ops, under \`node --import @opentelemetry/auto-instrumentations-node/register\` with its defaults (every instrumentation it ships), traces only.`,
    '',
    row([
      'Mode',
      'req/s',
      'p50 ms',
      'p99 ms',
      'CPU µs/request',
      'overhead vs tracing off µs',
      'overhead vs no OTel µs',
      'spans/request',
      'client errors',
    ]),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...order.map((id) => {
      const m = d.modes[id];
      return row([
        m.label,
        fmt(m.rps, 0),
        fmt(m.p50, 2),
        fmt(m.p99, 2),
        fmt(m.cpuMsPerReq * 1000, 0),
        id === 'off' ? '0 (baseline)' : signed(m.overheadVsOff * 1000, 0),
        id === 'plain' ? '0 (reference)' : signed(m.overheadVsPlain * 1000, 0),
        fmt(m.spansPerReq, 2),
        m.errors,
      ]);
    }),
    '',
  ];
}

/** Why the zero-code path loses spans on SIGTERM, when it does. */
function zeroStopNote(d) {
  const z = d.shutdown.find((r) => r.scenario === 'node-zero-term');
  if (!z || z.lost === 0 || z.stop.killed) return [];
  return [
    `- The zero-code path lost ${z.lost} of ${z.expected} spans on SIGTERM: its register module adds its own SIGTERM listener that starts \`sdk.shutdown()\`, but nothing waits for it — the app's handler (the same app, with its telemetry module replaced by no-ops) drains and calls \`process.exit()\`, which ends the flush. Without an app handler the listener would flush and leave the server running. Its server spans are named \`GET\` (no route).`,
  ];
}

export function nodeSection(part) {
  const d = part?.data;
  if (!d) return '## 7. Node: the generated Express service\n\nNot run yet: `npm run bench -- node`.\n';
  const v = Object.entries(d.versions)
    .map(([k, x]) => `${k} ${x}`)
    .join(', ');
  const ours = d.modes.ours.overheadVsOff * 1000;
  const zero = d.modes.zero.overheadVsOff * 1000;
  return [
    '## 7. Node: the generated Express service',
    '',
    `Generated with \`--framework express\`, built, run with its own start command (\`node --import ./dist/telemetry.js …\`) on Node ${d.node}; ${v}. The method of parts 2 and 4.${part.quick ? ' **--quick run: small sizes, not for publishing.**' : ''}`,
    '',
    '### Shutdown',
    '',
    ...shutdownTable(d),
    '### CPU overhead per request',
    '',
    ...overheadTable(d),
    ...(part.load
      ? [
          `- 1-minute load average ${fmt(part.load[0], 1)} before and ${fmt(part.load[1], 1)} after on ${part.machine?.cores ?? '?'} cores: the machine was shared, so absolute figures are high; the difference between modes run interleaved is the figure to read.`,
        ]
      : []),
    ...zeroStopNote(d),
    `- Tracing off (\`OTEL_SDK_DISABLED=true\`) costs ${fmt((d.modes.off.cpuMsPerReq - d.modes.plain.cpuMsPerReq) * 1000, 0)} µs per request over no OpenTelemetry at all: the SDK does not start, but the instrumentations are enabled when they are constructed (http's \`Server.prototype.emit\` stays wrapped), so every request still goes through them with a no-op tracer.`,
    ...(d.modes.ours512
      ? [
          `- Export batches of 64 spans (the generated default, chosen for the tail latency of the Python services) cost ${fmt((d.modes.ours.cpuMsPerReq - d.modes.ours512.cpuMsPerReq) * 1000, 0)} µs per request more than the SDK's 512 here: an export (and its gRPC call) every 32 requests instead of every 256.`,
        ]
      : []),
    `- Our wiring costs **${fmt(ours, 0)} µs** of CPU per traced request over tracing off; the zero-code path **${fmt(zero, 0)} µs** (${d.overheadRatio == null ? '—' : `${fmt(d.overheadRatio, 2)} ×`}); against the app with no OpenTelemetry at all (the fairer base here, see above) ${fmt(d.modes.ours.overheadVsPlain * 1000, 0)} µs vs ${fmt(d.modes.zero.overheadVsPlain * 1000, 0)} µs. Per-run CPU µs/request: ${[
      'off',
      'ours',
      'ours512',
      'zero',
      'plain',
    ]
      .filter((id) => d.modes[id])
      .map((id) => `${id} ${d.modes[id].cpuMsPerReqAll.map((x) => fmt(x * 1000, 0)).join('/')}`)
      .join('; ')}.`,
    '',
  ].join('\n');
}
