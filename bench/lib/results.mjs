/**
 * bench/results.json keeps the latest result of every part (so `npm run bench -- overhead` refreshes one
 * part and keeps the others); bench/RESULTS.md is rendered from it after every part. Never edit either
 * by hand.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ms, row, status, table } from './markdown.mjs';
import { nodeGoalRows, nodeSection } from './node-results.mjs';
import { overheadGoalText, overheadSection } from './overhead-results.mjs';
import { scaffoldGoalRows, scaffoldSection } from './scaffold-results.mjs';
import { signalsSection } from './signals-results.mjs';
import { viewGoalRows, viewSection } from './view-results.mjs';
import { fmt, signed } from './stats.mjs';
import { BENCH_DIR } from './paths.mjs';

export const RESULTS_JSON = path.join(BENCH_DIR, 'results.json');
export const RESULTS_MD = path.join(BENCH_DIR, 'RESULTS.md');
export const PART_ORDER = [
  'quickstart',
  'scaffold',
  'overhead',
  'collector',
  'shutdown',
  'profile',
  'signals',
  'node',
  'view',
];

export function loadStore() {
  if (!existsSync(RESULTS_JSON)) return { parts: {} };
  try {
    return JSON.parse(readFileSync(RESULTS_JSON, 'utf8'));
  } catch {
    return { parts: {} };
  }
}

export function saveStore(store) {
  writeFileSync(RESULTS_JSON, `${JSON.stringify(store, null, 2)}\n`);
  writeFileSync(RESULTS_MD, renderResults(store));
}

function goalsSection(p) {
  const rows = [];
  const q = p.quickstart?.data;
  rows.push([
    '0. Quick start',
    '`create-traced-service my-svc --yes` to a passed smoke test < 15 s, package cache warm',
    q
      ? q.byInstaller
          .map(
            (m) =>
              `${m.installer}: ${fmt(m.median.wallMs / 1000, 1)} s (install ${fmt(m.median.installMs / 1000, 1)} s, smoke test ${fmt(m.median.smokeMs / 1000, 1)} s)`,
          )
          .join('; ') + `, medians of ${q.config.reps}`
      : '—',
    status(q?.goal.met),
  ]);
  if (q?.coldGoal) {
    const [pip, auto] = q.coldRuns;
    rows.push([
      '0. Cold quick start',
      'the same on a new machine (empty pip/uv caches, no uv on PATH) ≤ ½ of the pip path’s time',
      `auto (private uv through pip): ${fmt(auto.cold.wallMs / 1000, 1)} s vs pip ${fmt(pip.cold.wallMs / 1000, 1)} s (${fmt(q.coldGoal.ratio, 2)} ×); second run ${fmt(auto.second.wallMs / 1000, 1)} s vs ${fmt(pip.second.wallMs / 1000, 1)} s`,
      status(q.coldGoal.met),
    ]);
  }
  const s = p.scaffold?.data;
  rows.push(...scaffoldGoalRows(s));
  const o = p.overhead?.data;
  rows.push([
    '2. Overhead',
    'CPU overhead per traced request ≤ ½ of the zero-code wrapper’s',
    o ? overheadGoalText(o) : '—',
    status(o?.goal.met),
  ]);
  const c = p.collector?.data;
  rows.push([
    '3. Collector down / hanging',
    'p99 with the collector down or hanging within 10 % of collector up; no client errors (memory reported alongside)',
    c
      ? `p99 up ${ms(c.goal.upP99, 1)}, down ${ms(c.goal.downP99, 1)} (${signed(c.cells['batch:down']?.p99VsUpPct, 1, ' %')}), hanging ${ms(c.goal.hangingP99, 1)} (${signed(c.cells['batch:hanging']?.p99VsUpPct, 1, ' %')}), medians of ${c.config.batchReps}; client errors ${c.cells['batch:down']?.errors ?? '—'} / ${c.cells['batch:hanging']?.errors ?? '—'}${c.soak?.length ? `; memory over a ${c.soak[0].seconds} s soak, objects alive after a full GC: ${c.soak.map((m) => `${(m.live ?? []).map((l) => l.objects ?? '?').join(' → ')} (${m.state})`).join(', ')}` : ''}`
      : '—',
    status(c?.goal.met),
  ]);
  if (c?.frameworks) {
    const t = tailGoal(c);
    rows.push([
      '3. Tail latency',
      'traced p99 ≤ 2 × untraced at the same load (400 requests/s), for each framework',
      t.rows
        .map((r) =>
          r.error
            ? `${r.name}: not measured`
            : `${r.name} ${fmt(r.ratio, 2)} ×${r.clientErrors ? ` (${r.clientErrors} client error${r.clientErrors > 1 ? 's' : ''} over its runs)` : ''}`,
        )
        .join(', '),
      status(t.met),
    ]);
  }
  const sd = p.shutdown?.data;
  rows.push([
    '4. Graceful shutdown',
    `0 spans lost on SIGTERM at N = ${sd?.config.n ?? 1000}`,
    sd ? sd.goal.lost.map((l) => `${l.scenario}: ${l.lost} lost`).join('; ') : '—',
    status(sd?.goal.met),
  ]);
  rows.push(...nodeGoalRows(p.node?.data));
  rows.push(...viewGoalRows(p.view));
  return `## Goals\n\n${table(['Part', 'Goal', 'Measured', 'Status'], rows)}\n`;
}

function machineSection(store) {
  const parts = PART_ORDER.filter((k) => store.parts[k]);
  const m = store.parts[parts.at(-1)]?.machine ?? {};
  const lines = [
    `- **CPU**: ${m.cpuModel ?? '?'}, ${m.cores ?? '?'} cores; **memory** ${m.memoryGiB ?? '?'} GiB; ${m.os ?? ''}`,
    `- **Node** ${m.node ?? '?'}, npm ${m.npm ?? '?'}, TypeScript ${m.typescript ?? '?'}, autocannon ${m.autocannon ?? '?'}${m.uv ? `, ${m.uv}` : ''}`,
    `- **create-traced-service** ${m.cli ?? '?'} (git ${m.gitCommit ?? '?'})`,
  ];
  if (m.python)
    lines.push(
      `- **${m.python}**; generated service's venv: ${Object.entries(m.pythonPackages ?? {})
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  if (m.zeroCodeExtraPackages && Object.keys(m.zeroCodeExtraPackages).length) {
    lines.push(
      `- zero-code wrapper's venv adds: ${Object.entries(m.zeroCodeExtraPackages)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }
  const when = parts
    .map((k) => {
      const part = store.parts[k];
      const load = part.load ? `, load average ${part.load.map((v) => v.toFixed(1)).join(' → ')}` : '';
      return `${k} ${part.ranAt.replace('T', ' ').slice(0, 16)} UTC (${fmt(part.durationSec, 0)} s${load}${part.quick ? ', **--quick: not for publishing**' : ''})`;
    })
    .join('; ');
  lines.push(
    `- **Measured**: ${when}. A load average above 0 before a part started means other work was running on the machine (the bench itself keeps about 1.5 cores busy during load runs).`,
  );
  const differing = parts.filter(
    (k) => store.parts[k].machine?.cpuModel !== m.cpuModel || store.parts[k].machine?.cores !== m.cores,
  );
  if (differing.length)
    lines.push(
      `- Note: ${differing.join(', ')} ran on a different machine (${differing.map((k) => `${store.parts[k].machine?.cpuModel}, ${store.parts[k].machine?.cores} cores`).join('; ')}).`,
    );
  return `## Machine and versions\n\n${lines.join('\n')}\n`;
}

function quickstartSection(d) {
  if (!d) return '## 0. Quick start\n\nNot run yet: `npm run bench -- quickstart`.\n';
  const rows = d.byInstaller.flatMap((m) =>
    m.runs.map((r, i) => [m.installer, String(i + 1), ms(r.wallMs), ms(r.installMs), ms(r.smokeMs)]),
  );
  return [
    '## 0. Quick start',
    '',
    'Wall time of `node bin/create-traced-service.js my-svc --yes --json` from spawn to exit: write, install a new `.venv`, start the service, send the smoke requests, SIGTERM, check. For each installer one warm-up run first fills its package cache (' +
      d.byInstaller.map((m) => `${m.installer} ${ms(m.warmupMs)}`).join(', ') +
      ", not counted). `pip` is `CTS_INSTALLER=pip`; `auto` is the default `--installer auto`: uv from PATH, else the private uv the CLI keeps in the user's cache.",
    '',
    table(['Installer', 'Run', 'Total', 'Install', 'Smoke test'], rows, ['l', 'l', 'r', 'r', 'r']),
    '',
    ...(d.coldRuns
      ? [
          '### Cold: a new machine',
          '',
          'The same command with empty pip, uv and create-traced-service caches and no uv on PATH (a new user with only Node and Python), then a second run with the caches the first one left. `pip` is `CTS_INSTALLER=pip`, what every such user got before `--installer auto`; `auto` is the default: it pip-installs a private uv once into the cache, then installs with it.',
          '',
          table(
            ['Installer', 'Run', 'Total', 'Install', 'Smoke test'],
            d.coldRuns.flatMap((c) => [
              [c.name, 'cold', ms(c.cold.wallMs), ms(c.cold.installMs), ms(c.cold.smokeMs)],
              [c.name, 'second', ms(c.second.wallMs), ms(c.second.installMs), ms(c.second.smokeMs)],
            ]),
            ['l', 'l', 'r', 'r', 'r'],
          ),
          '',
        ]
      : []),
  ].join('\n');
}

/** The tail-latency goal per framework: FastAPI from the rows above, the others from their own runs. */
export function tailGoal(d) {
  const off = d?.cells?.['batch:off'];
  const up = d?.cells?.['batch:up'];
  const rows = [];
  if (off && up)
    rows.push({
      name: 'FastAPI',
      ratio: up.p99 / off.p99,
      met: up.p99 / off.p99 <= 2 && up.errors === 0,
      clientErrors: up.errors,
    });
  for (const f of d?.frameworks ?? [])
    rows.push({
      name: f.displayName ?? f.name,
      ratio: f.ratio,
      met: Boolean(f.met),
      error: f.error,
      clientErrors: f.up?.errors,
    });
  return { rows, met: rows.length > 0 && rows.every((r) => r.met) };
}

function frameworkTailSection(d) {
  const measured = (d.frameworks ?? []).filter((f) => !f.error);
  const failed = (d.frameworks ?? []).filter((f) => f.error);
  if (!measured.length && !failed.length) return [];
  const c = d.config;
  const spansPerSec = c.rate * 2;
  const batch = d.exportBatchSize ?? 512;
  const out = [
    `Tail latency of the other frameworks, the same method: each generated with \`--framework <name>\`, given the same no-sleep route (server span + one manual child), served by its generated server command (Starlette: uvicorn; Flask and Django: gunicorn with the generated gunicorn.conf.py, one worker), ${c.rate} requests/s paced, ${c.warmupSec} s warm-up then ${c.durationSec} s measured, collector up, traced and tracing off interleaved, medians of ${c.batchReps}. Goal: traced p99 ≤ 2 × untraced. The trade-off of the generated defaults is the same for every framework: batches of ${batch} spans, so at ${spansPerSec} spans/s ${fmt(spansPerSec / batch, 1)} exports/s, and about one batch (${batch} spans per worker) at risk on SIGKILL.`,
    '',
    table(
      [
        'Framework (server)',
        'p50 ms off → traced',
        'p99 ms untraced',
        'p99 ms traced',
        'p99 / untraced',
        'max ms traced',
        'client errors',
        'spans received',
        'exports/s',
        'spans at risk on SIGKILL',
        'goal',
      ],
      measured.map((f) => [
        `${f.displayName} (${f.server ?? '?'})`,
        `${fmt(f.off.p50, 2)} → ${fmt(f.up.p50, 2)}`,
        fmt(f.off.p99, 2),
        fmt(f.up.p99, 2),
        `${fmt(f.ratio, 2)} ×`,
        fmt(f.up.max, 0),
        f.off.errors + f.up.errors,
        `${fmt(f.up.spansReceived, 0)}/${fmt(f.up.spansExpected, 0)}`,
        fmt(spansPerSec / batch, 1),
        String(batch),
        status(f.met),
      ]),
      [null, 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', null],
    ),
    '',
    `p99 per run (untraced / traced): ${measured
      .map(
        (f) =>
          `${f.name} ${f.off.p99All.map((v) => (v == null ? '—' : v.toFixed(1))).join('/')} / ${f.up.p99All.map((v) => (v == null ? '—' : v.toFixed(1))).join('/')}`,
      )
      .join('; ')} ms.`,
    '',
  ];
  for (const f of failed) out.push(`- ${f.displayName ?? f.name}: not measured (${f.error}).`);
  if (failed.length) out.push('');
  return out;
}

function collectorSection(d) {
  if (!d) return '## 3. Collector down or hanging\n\nNot run yet: `npm run bench -- collector`.\n';
  const c = d.config;
  const rows = Object.values(d.cells).map((x) => [
    x.label,
    x.state,
    `${fmt(x.completed, 0)}/${x.scheduled}`,
    fmt(x.p50, 2),
    fmt(x.p99, 2),
    x.id === `${x.group}:up` ? '—' : signed(x.p99VsUpPct, 0, ' %'),
    fmt(x.max, 0),
    x.errors,
    `${fmt(x.rssStart, 0)} → ${fmt(x.rssEnd, 0)} (${fmt(x.rssPeak, 0)})`,
    signed(x.rssTailGrowth, 1),
    x.state === 'up' ? `${fmt(x.spansReceived, 0)}/${fmt(x.spansExpected, 0)}` : '—',
    x.killed
      ? `SIGKILL after ${c.stopGraceMs / 1000} s${x.killed < (x.stopsMeasured ?? x.reps) ? ` (${x.killed}/${x.stopsMeasured ?? x.reps})` : ''}`
      : `${fmt(x.stopMs / 1000, 1)} s`,
    `${fmt(x.exportTroubleLines, 0)}${x.queueFullLogged ? ', queue full' : ''}`,
    x.gcLongestMs == null ? '—' : `${fmt(x.gcLongestMs, 0)} (${fmt(x.gcGen2, 0)})`,
  ]);
  const out = [
    '## 3. Collector down or hanging',
    '',
    `Same service and route as part 2. Open-loop load at **${c.rate} requests/s**, evenly spaced (bench/lib/paced-load.mjs, keep-alive, up to ${c.maxSockets} connections; well below capacity, so latency shows blocking, not queueing), ${c.warmupSec} s warm-up then ${c.durationSec} s measured, request timeout ${c.timeoutSec} s. Latency is measured from the moment each request was due, so a stall counts in full (no coordinated omission). autocannon's rate limit is not used here: it fires each connection's per-second budget in one burst. *Down* = OTEL_EXPORTER_OTLP_ENDPOINT on a closed port; *hanging* = a TCP server that accepts and never sends a byte. Batch rows are the median of ${c.batchReps} runs (order rotated each time), Simple rows ${c.simpleReps}; "p99 vs up" compares with the same processor's collector-up row. Client errors = error responses + requests unanswered within the timeout. "graceful stop" = SIGTERM to exit (first run of each row; the other runs with the collector away are killed, to keep the bench short).`,
    '',
    table(
      [
        'Service',
        'Collector',
        'completed/scheduled',
        'p50 ms',
        'p99 ms',
        'p99 vs up',
        'max ms',
        'client errors',
        'RSS MiB start → end (peak)',
        `RSS growth last ${c.growthWindowSec} s MiB`,
        'spans received',
        'graceful stop',
        'exporter log lines',
        'longest GC pause ms (gen-2 runs)',
      ],
      rows,
      [null, null, 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    `Goal (Batch): p99 down ${signed(d.cells['batch:down']?.p99VsUpPct, 1, ' %')}, hanging ${signed(d.cells['batch:hanging']?.p99VsUpPct, 1, ' %')} vs up (target within 10 %), client errors ${d.goal.noErrors ? '0' : 'present'}: ${status(d.goal.met)}. p99 per run: ${Object.values(
      d.cells,
    )
      .filter((x) => x.group === 'batch')
      .map((x) => `${x.id} ${x.p99All.map((v) => (v == null ? '—' : v.toFixed(1))).join('/')}`)
      .join('; ')} ms.`,
    '',
  ];
  const off = d.cells['batch:off'];
  const traced = ['batch:up', 'batch64:up', 'freeze:up', 'freeze64:up'].map((k) => d.cells[k]).filter(Boolean);
  if (off && traced.length) {
    const spansPerSec = c.rate * 2;
    const batchOf = (x) => (x.id.includes('64') ? 64 : (d.exportBatchSize ?? 512));
    out.push(
      `Tail latency, traced against untraced (goal: traced p99 ≤ 2 × untraced, ${ms(off.p99, 2)} here with \`OTEL_SDK_DISABLED=true\`), with what each default costs: at ${spansPerSec} spans/s an export starts every time a batch fills (or every ${(d.config.scheduleDelayMillis ?? 5000) / 1000} s), and a SIGKILL loses what is queued or in flight — about one batch at this rate (part 4 measures it). Serialising one batch under the GIL: ${Object.entries(
        d.serialise ?? {},
      )
        .map(([b, r]) => (r.error ? `${b} spans: —` : `${b} spans ${fmt(r.ms, 1)} ms`))
        .join(', ')}.`,
      '',
      table(
        [
          'Traced configuration',
          'p99 ms',
          'p99 / untraced',
          'longest GC pause ms',
          'exports/s at this rate',
          'spans at risk on SIGKILL (≈ one batch)',
        ],
        traced.map((x) => [
          x.label,
          fmt(x.p99, 2),
          `${fmt(x.p99 / off.p99, 2)} ×`,
          x.gcLongestMs == null ? '—' : fmt(x.gcLongestMs, 0),
          fmt(spansPerSec / batchOf(x), 1),
          String(batchOf(x)),
        ]),
        [null, 'r', 'r', 'r', 'r', 'r'],
      ),
      '',
    );
  }
  out.push(...frameworkTailSection(d));
  if (d.soak?.length) {
    out.push(
      `Memory soak: the generated service with the collector away for ${d.soak[0].seconds} s at ${c.rate} requests/s (${fmt(d.soak[0].spansProduced, 0)} spans, ${fmt(d.soak[0].spansProduced / (d.queueSize ?? 2048), 1)} × the ${d.queueSize ?? 2048}-span queue), RSS of the service every second, and twice (half-way, end) the number of objects still alive after a forced full garbage collection (SIGUSR2 to the bench's GC hook; the collection itself shows as a dip in RSS):`,
      '',
      table(
        [
          'Collector',
          'RSS MiB, one sample per second',
          'live objects after a full collection',
          'requests ok / client errors',
        ],
        d.soak.map((m) => [
          m.state,
          m.rss.map((v) => v.toFixed(0)).join(' '),
          (m.live ?? []).map((l) => `${l.objects ?? '?'} at ${l.atSec} s`).join(' → '),
          `${m.completed}/${m.scheduled} / ${m.errors}`,
        ]),
        [null, null, 'r', 'r'],
      ),
      '',
    );
  }
  const simpleHang = d.cells['simple:hanging'];
  const simpleDown = d.cells['simple:down'];
  if (simpleHang || simpleDown) {
    out.push(
      `SimpleSpanProcessor, same exporter timeout: with the collector down ${fmt(simpleDown?.completed, 0)} of ${simpleDown?.scheduled} scheduled requests completed (p99 ${ms(simpleDown?.p99, 0)}, ${simpleDown?.errors ?? '—'} client errors), hanging ${fmt(simpleHang?.completed, 0)} (p99 ${ms(simpleHang?.p99, 0)}, ${simpleHang?.errors ?? '—'} client errors): every span end blocks the event loop for the exporter's retries/timeout — the stall the guide warns about.`,
      '',
    );
  }
  if (!d.goal.met) {
    const up = d.cells['batch:up'];
    const worst = ['batch:down', 'batch:hanging']
      .map((k) => d.cells[k])
      .filter(Boolean)
      .sort((a, b) => (b.p99VsUpPct ?? 0) - (a.p99VsUpPct ?? 0))[0];
    const fWorst = worst && d.cells[`freeze:${worst.state}`];
    const gcExplains = worst?.gcLongestMs != null && up?.gcLongestMs != null && worst.gcLongestMs > up.gcLongestMs;
    out.push(
      `**Missed**: with the collector ${worst?.state} p99 was ${signed(worst?.p99VsUpPct, 1, ' %')} against collector up (${ms(worst?.p99, 1)} vs ${ms(up?.p99, 1)}); ${d.goal.noErrors ? 'no client error, every request answered: nothing waited for the network' : `client errors: ${worst?.errors}`}. ${gcExplains ? `The gap comes from pauses inside the service: the longest garbage-collector pause was ${fmt(worst.gcLongestMs, 0)} ms against ${fmt(up.gcLongestMs, 0)} ms with the collector up, because the span queue stays full (see Findings), plus the export thread re-serialising its batch under the GIL on every retry.` : 'The garbage-collector pauses do not explain it in this run; compare the per-run figures: with one full collection or none per run, p99 is dominated by single pauses.'} What it would take: \`gc.freeze()\` at the end of start-up in the generated app (experiment rows${fWorst ? `: p99 ${ms(fWorst.p99, 1)} with the collector ${fWorst.state}` : ''}), a smaller \`max_queue_size\` where the collector may be away for long (fewer live spans for a full collection to walk), and longer runs (each ${d.config.durationSec} s run sees zero or one full collection) to make p99 stable.`,
      '',
    );
  }
  return out.join('\n');
}

/** How to read the export thread's rows next to part 2's CPU measurement of the exporters alone. */
function exportThreadNote(e) {
  if (!e?.cpuUsPerSpan) return [];
  const cpu = e.cpuUsPerSpan;
  return [
    `Reading the export thread's rows: the gRPC stub serialises the message inside its call, so "gRPC send" holds the serialisation as well as the transport, and the rows scale part 2's closed-loop figure by shares taken at a paced rate. Measured as CPU time instead, part 2's exporters alone spend ${fmt(cpu.encode, 1)} µs per span building and serialising the protobuf message and ${fmt(cpu.grpc - cpu.encode, 1)} µs (gRPC) or ${fmt(cpu['http/protobuf'] - cpu.encode, 1)} µs (OTLP/HTTP) sending it.`,
    '',
  ];
}

function profileSection(d, overhead) {
  if (!d) return "## 5. Where a traced request's CPU goes\n\nNot run yet: `npm run bench -- profile`.\n";
  const perRequestUs = overhead ? overhead.goal.ours * 1000 : undefined;
  const tracingSamples = d.categories
    .filter(([name]) => !name.startsWith('not tracing'))
    .reduce((a, [, n]) => a + n, 0);
  const rows = d.categories.map(([name, n]) => [
    name,
    `${fmt((100 * n) / d.samples, 1)} %`,
    name.startsWith('not tracing') || perRequestUs == null ? '' : `${fmt((perRequestUs * n) / tracingSamples, 0)} µs`,
  ]);
  return [
    "## 5. Where a traced request's CPU goes",
    '',
    `${d.config.pySpy} sampled the generated service (both threads: the event loop and the span processor's export thread) at ${d.config.sampleHz} Hz for ${d.config.durationSec} s while it served the bench route at ${d.config.rate} requests/s with the collector up (${d.requests} requests)${d.config.tracesOnly ? ', exporting traces only (metrics and logs `none`, as part 2\'s "our wiring" row)' : ''}. Each sample counts for the innermost frame that belongs to OpenTelemetry or to the server, the framework or the app (standard-library frames count for whoever called them); bench/lib/profile_classify.py groups them. OpenTelemetry's share of the process's samples: **${fmt(100 * d.tracingShare, 1)} %**.${perRequestUs != null ? ` The last column splits part 2's ${fmt(perRequestUs, 0)} µs of CPU per traced request over tracing off by these shares.` : ''}`,
    '',
    table(['Where', 'share of samples', 'per traced request'], rows, [null, 'r', 'r']),
    '',
    ...exportThreadNote(overhead?.exportCost),
    'The OpenTelemetry functions with the most samples (innermost OpenTelemetry frame):',
    '',
    table(
      ['Function', 'share of samples'],
      d.functions.slice(0, 15).map(([f, n]) => [`\`${f}\``, `${fmt((100 * n) / d.samples, 1)} %`]),
      [null, 'r'],
    ),
    '',
  ].join('\n');
}

function shutdownSection(d) {
  if (!d) return '## 4. Graceful shutdown\n\nNot run yet: `npm run bench -- shutdown`.\n';
  const c = d.config;
  const rows = d.runs.map((r) => {
    const sc = d.scenarios.find((s) => s.id === r.scenario);
    const s = r.stop;
    let exit;
    if (sc.signal === 'SIGKILL') exit = 'killed at once';
    else if (s.killed) exit = `no exit within ${c.stopGraceMs / 1000} s → SIGKILL`;
    else
      exit = `${s.exitSignal ? `by ${s.exitSignal}` : `code ${s.exitCode}`} after ${fmt(s.mainExitMs / 1000, 2)} s${s.groupExitMs - s.mainExitMs > 20 ? `; workers ${fmt((s.groupExitMs - s.mainExitMs) / 1000, 2)} s later` : ''}`;
    return [
      sc.label,
      r.requestsOk + (r.requestsFailed ? ` (+${r.requestsFailed} failed)` : ''),
      r.expected,
      r.received,
      `**${r.lost}**${r.lost ? ` (${fmt(r.lostPct, 1)} %)` : ''}`,
      exit,
      r.spansPerWorker.join(' + '),
    ];
  });
  const out = [
    '## 4. Graceful shutdown',
    '',
    `N = ${c.n} requests to \`GET /bench/{i}\` (${c.concurrency} in flight), then the signal right after the last response (within ${fmt(Math.max(...d.runs.map((r) => r.stop.signalDelayMs ?? 0)), 1)} ms). SIGTERM goes to the server's main process (uvicorn, or the gunicorn master), as an orchestrator sends it; SIGKILL to the whole process group, as a container runtime does when the grace period is over. Spans expected = 2 × requests answered.`,
    '',
    table(['Scenario', 'requests', 'spans expected', 'received', 'lost', 'exit', 'spans per worker'], rows, [
      null,
      'r',
      'r',
      'r',
      'r',
      null,
      null,
    ]),
    '',
  ];
  const extra = d.runs.filter((r) => r.otherSpans > 0);
  if (extra.length) {
    out.push(
      `Only the route's server span and manual child are counted; ${extra.map((r) => `${r.scenario} also delivered ${r.otherSpans} other spans (the wrapper's \`http send\` spans)`).join('; ')}.`,
      '',
    );
  }
  const wsgi = d.wsgi ?? [];
  if (wsgi.length === 0) out.push('gunicorn: no WSGI framework in the CLI at the time of this run.', '');
  else {
    out.push(
      `gunicorn rows: the WSGI frameworks the CLI generates (${wsgi.map((f) => f.name).join(', ')}), each generated with \`--framework <name>\` and given the same no-sleep route (server span named after the framework's route template + the same manual child), served by the generated \`gunicorn --config gunicorn.conf.py\` command; SIGTERM to the gunicorn master.`,
      '',
    );
    for (const f of wsgi.filter((x) => x.error)) out.push(`- ${f.name}: not measured (${f.error}).`);
    if (wsgi.some((x) => x.error)) out.push('');
  }
  return out.join('\n');
}

/** Interpretation that follows from the figures, for the template's owners. */
function findingsSection(p) {
  const items = [];
  const sd = p.shutdown?.data;
  if (sd) {
    const by = Object.fromEntries(sd.runs.map((r) => [r.scenario, r]));
    const atexit = ['atexit-w1-term', 'atexit-w2-term'].map((k) => by[k]).filter(Boolean);
    if (atexit.some((r) => r.lost > 0)) {
      items.push(
        `The lifespan flush is what saves the tail: with it removed (atexit hook only) SIGTERM lost ${atexit.map((r) => `${r.lost} of ${r.expected}`).join(' and ')} spans (1 and 2 workers; whatever the periodic 5 s / full-batch exports had not sent yet, so the figure depends on timing). uvicorn ≥ 0.29 re-raises SIGTERM after its own shutdown${atexit[0]?.stop.exitSignal ? ` (the main process ended by ${atexit[0].stop.exitSignal})` : ''}, and its --workers children are stopped with SIGTERM the same way, so Python's atexit hooks never run; the atexit registration in app/telemetry.py only helps on SIGINT and normal exits. Keep the lifespan call.`,
      );
    }
    const zero = by['zero-w1-term'];
    if (zero?.lost > 0)
      items.push(
        `The zero-code wrapper relies on the SDK's atexit hook and lost ${zero.lost} spans (${fmt(zero.lostPct, 1)} %) on the same SIGTERM.`,
      );
    const kills = sd.runs.filter((r) => sd.scenarios.find((x) => x.id === r.scenario)?.signal === 'SIGKILL');
    if (kills.length) {
      items.push(
        `SIGKILL loses whatever is still queued: ${kills.map((r) => `${r.scenario} ${r.lost} of ${r.expected} spans (${fmt(r.lostPct, 0)} %)`).join(', ')} — everything since the last export, which happens when a worker's queue reaches ${p.collector?.data.exportBatchSize ?? 512} spans or every 5 s. This is the number behind the README's warning about grace periods; a shorter \`OTEL_BSP_SCHEDULE_DELAY\` narrows the window, nothing closes it.`,
      );
    }
  }
  const o = p.overhead?.data;
  if (o?.modes.off && o.modes.plain) {
    items.push(
      `\`OTEL_SDK_DISABLED=true\` costs ${fmt(o.modes.off.overheadVsPlain * 1000, 0)} µs CPU per request (${fmt((o.modes.off.overheadVsPlain / o.modes.plain.cpuMsPerReq) * 100, 0)} %) over the same app without OpenTelemetry: the generated app skips its instrumentation middleware when the SDK is disabled, so tracing off is as cheap as no tracing.`,
    );
  }
  if (o?.goal && !o.goal.met) {
    items.push(
      `Against the true baseline (tracing off costs what no tracing costs), our wiring's CPU overhead is ${fmt(o.goal.ratio, 2)} × the zero-code wrapper's, not the ≤ 0.5 × goal. Both run the same SDK; ours saves the wrapper's two internal \`http send\` spans per request and FastAPIInstrumentor's ASGI middleware (FastAPI's own instrumentation makes the same server span for less), and nothing more can be saved without recording less: the 10 % ratio sampler row shows what sampling does.`,
    );
  }
  const c = p.collector?.data;
  if (c) {
    const off = c.cells['batch:off'];
    const up = c.cells['batch:up'];
    const down0 = c.cells['batch:down'];
    const fUp = c.cells['freeze:up'];
    const fDown = c.cells['freeze:down'];
    const ser = c.serialise ?? {};
    const serText = Object.entries(ser)
      .filter(([, r]) => !r.error)
      .map(([b, r]) => `${b} spans: ${fmt(r.ms, 1)} ms`)
      .join(', ');
    const perRun = (x) => x.p99All.map((v) => (v == null ? '—' : v.toFixed(1))).join('/');
    const gcRun = (x) => (x.gcLongestAll ?? []).map((v) => (v == null ? '—' : v.toFixed(0))).join('/');
    if (off && up && up.gcLongestMs != null) {
      const gcBound = up.gcLongestMs >= 10 && up.gcLongestMs > 2 * (off.gcLongestMs ?? 0);
      const parts = [];
      parts.push(
        gcBound
          ? `The tail latency of a traced service is set by Python's garbage collector more than by exporting. In the collector-up runs the longest GC pause was ${gcRun(up)} ms (full, generation-2 collections; p99 ${perRun(up)} ms), with tracing off ${gcRun(off)} ms (p99 ${perRun(off)} ms): every span is a handful of GC-tracked objects, so tracing makes collections frequent, and the batch queue keeps up to ${c.queueSize ?? 2048} spans alive, which a full collection must walk. A ${c.config.durationSec} s run sees zero or one full collection, so p99 swings with whether one happened: that is most of the run-to-run spread in the table.`
          : `Garbage-collector pauses: longest ${gcRun(up)} ms per run with the collector up (p99 ${perRun(up)} ms), ${gcRun(off)} ms with tracing off (p99 ${perRun(off)} ms).`,
      );
      if (down0?.gcLongestMs != null) {
        parts.push(
          down0.gcLongestMs > up.gcLongestMs && down0.p99 > up.p99
            ? `With the collector down the queue stays full, full collections took longer (${gcRun(down0)} ms) and p99 rose (${perRun(down0)} ms): the main reason p99 is worse when the collector is down; the export thread re-serialising its batch on every retry (below) adds to it.`
            : `With the collector down: longest GC pause ${gcRun(down0)} ms, p99 ${perRun(down0)} ms.`,
        );
      }
      const frozen = [fUp, fDown].filter((x) => x?.gcLongestMs != null);
      if (frozen.length) {
        const helped = frozen.every((x) => x.gcLongestMs < 0.5 * Math.max(up.gcLongestMs, down0?.gcLongestMs ?? 0));
        parts.push(
          `Experiment: \`gc.freeze()\` once the app is warm (the bench's GC hook in bench/lib/workspace.mjs) ${helped ? 'cut' : 'changed'} the longest pause to ${frozen.map((x) => `${gcRun(x)} ms (${x.state})`).join(' and ')}, p99 ${frozen.map((x) => `${perRun(x)} ms (${x.state})`).join(' and ')}.`,
        );
      }
      parts.push(
        `The other source is the export thread: serialising a batch is Python that holds the GIL${serText ? ` (${serText}; bench/lib/encode_cost.py on the app's real spans)` : ''}, and the OTLP gRPC exporter 1.45 re-serialises the batch on every retry (\`_translate_data\` inside its retry loop). "Exports asynchronously" holds — no request waited for the network, with the collector down or hanging every request was answered — but "near-zero overhead" does not describe the tail.`,
      );
      items.push(parts.join(' '));
    }
    const hang = c.cells['batch:hanging'];
    const down = c.cells['batch:down'];
    const slow = [down, hang].filter((x) => x && (x.killed || x.stopMs > 3000));
    if (slow.length) {
      items.push(
        `A graceful stop is slower while the collector is unreachable: ${slow.map((x) => `${x.state} ${x.killed ? 'never finished' : `${fmt(x.stopMs / 1000, 1)} s`}`).join(', ')} against ${fmt(c.cells['batch:up']?.stopMs / 1000, 1)} s with it up — the flush waits up to SHUTDOWN_TIMEOUT_MILLIS (= the exporter timeout, 5 s by default) while an export may already be blocked for up to the same time. The container's stop grace period must exceed that plus the drain time (the README says so; the figure backs it).`,
      );
    }
    if (c.soak?.length) {
      const liveOk = (m) => m.live?.length === 2 && m.live.every((l) => l.objects != null);
      const bounded = c.soak.every((m) => liveOk(m) && m.live[1].objects <= m.live[0].objects * 1.05 + 2000);
      const upRss = c.cells['batch:up'];
      items.push(
        `Memory ${bounded ? 'stays bounded' : 'is not shown to be bounded'} while the collector is away: over ${c.soak[0].seconds} s (${fmt(c.soak[0].spansProduced / (c.queueSize ?? 2048), 1)} × the queue's worth of spans) the objects still alive after a full collection went ${c.soak.map((m) => `${(m.live ?? []).map((l) => l.objects ?? '?').join(' → ')} (${m.state})`).join(' and ')}, while RSS rose from ${c.soak.map((m) => `${fmt(m.rss[0], 0)} to at most ${fmt(Math.max(...m.rss), 0)} MiB (${m.state})`).join(' and ')}, against ${fmt(upRss?.rssStart, 0)} → ${fmt(upRss?.rssEnd, 0)} MiB with the collector up. ${bounded ? 'What the process retains stops growing once the queue is full (the SDK logs that it drops spans); the rest of the RSS rise is garbage waiting for the next full collection, so RSS moves in a sawtooth a few MiB above the collector-up level.' : 'Compare the live-object counts: a rising count at the end means something besides the bounded queue keeps growing.'}`,
      );
    }
  }
  if (items.length === 0) return '';
  return `## Findings\n\n${items.map((i) => `- ${i}`).join('\n')}\n`;
}

export function renderResults(store) {
  const p = store.parts;
  const sections = [
    '# Benchmark results',
    '',
    `Generated by \`npm run bench\` (bench/run.mjs); do not edit by hand — rerun it (\`npm run bench -- <part>\` refreshes one part: ${PART_ORDER.join(', ')}).${store.lastRun ? ` Last run: \`${store.lastRun.command}\`, ${fmt(store.lastRun.durationSec, 0)} s wall time, ${store.lastRun.endedAt.replace('T', ' ').slice(0, 19)} UTC.` : ''}`,
    '',
    goalsSection(p),
    machineSection(store),
    quickstartSection(p.quickstart?.data),
    scaffoldSection(p.scaffold?.data),
    overheadSection(p.overhead?.data, p.collector?.data),
    collectorSection(p.collector?.data),
    shutdownSection(p.shutdown?.data),
    profileSection(p.profile?.data, p.overhead?.data),
    signalsSection(p.signals),
    nodeSection(p.node),
    viewSection(p.view),
    findingsSection(p),
    '## Rerun',
    '',
    '```sh',
    'npm ci                      # autocannon is a devDependency',
    'npm run bench               # all parts, about 8 minutes on 2 cores',
    'npm run bench -- overhead   # one part (quickstart | scaffold | overhead | collector | shutdown | profile | signals | node | view)',
    'npm run bench -- --quick    # fewer/shorter runs, to check the bench itself',
    '```',
    '',
    'Needs Python ≥ 3.11 (uv on PATH makes the installs fast) and network access to PyPI/npm the first time. Scratch files go to bench/.work/ (git-ignored); every process the bench starts runs in its own process group and is killed at the end, also on errors and Ctrl-C.',
    '',
  ];
  return sections.join('\n');
}
