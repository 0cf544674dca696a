/** RESULTS.md section for the signals part: CPU per request with traces only vs traces, metrics and logs. */
import { fmt } from './stats.mjs';

const row = (cells) => `| ${cells.join(' | ')} |`;

export function signalsSection(part) {
  const d = part?.data;
  if (!d) return '## 6. Metrics and logs on top of traces\n\nNot run yet: `npm run bench -- signals`.\n';
  const m = d.modes;
  const rows = ['off', 'traces', 'all'].map((id) => {
    const x = m[id];
    return row([
      x.label,
      fmt(x.rps, 0),
      fmt(x.p99, 2),
      fmt(x.cpuMsPerReq * 1000, 0),
      id === 'off' ? '0 (baseline)' : fmt((x.cpuMsPerReq - m.off.cpuMsPerReq) * 1000, 0),
      fmt(x.spansPerReq, 2),
      fmt(x.logsPerReq, 2),
      fmt(x.metricPoints, 0),
      String(x.errors),
    ]);
  });
  return [
    '## 6. Metrics and logs on top of traces',
    '',
    `The generated service under a closed-loop load on \`${d.config.route}\` (one server span, one child span and one log record per request), ${d.config.connections} connections, ${d.config.durationSec} s after ${d.config.warmupSec} s warm-up, median of ${d.config.reps} interleaved reps. No goal: the figure is reported, not judged.`,
    '',
    row([
      'Mode',
      'req/s',
      'p99 ms',
      'CPU µs/request',
      'over telemetry off µs',
      'spans/request',
      'log records/request',
      'metric points exported',
      'client errors',
    ]),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...rows,
    '',
    ...(part.load
      ? [
          `- 1-minute load average ${fmt(part.load[0], 1)} before and ${fmt(part.load[1], 1)} after on ${part.machine?.cores ?? '?'} cores: the machine was shared, so absolute figures are high; the difference between modes run interleaved is the figure to read.`,
        ]
      : []),
    `- Metrics and logs add **${fmt(d.addedUs, 0)} µs** of CPU per request to traces alone (${fmt(d.tracesUs, 0)} → ${fmt(d.allUs, 0)} µs over telemetry off): the HTTP server metrics recorded per request, and one log record translated, batched and exported.`,
    '',
  ].join('\n');
}
