/**
 * RESULTS.md section for the overhead part (2): every mode on FastAPI and the goal, OTLP/HTTP protobuf
 * against gRPC per exported span, Starlette, Flask and Django, and what the memory is made of. Rows follow
 * the order of the modes in the data (bench/parts/overhead.mjs OVERHEAD_MODES), so a new mode needs no
 * change here.
 */
import { status, table } from './markdown.mjs';
import { fmt, median, signed } from './stats.mjs';

const us = (msValue, d = 0) => fmt(msValue == null ? null : msValue * 1000, d);
const mib = (v) => fmt(v, 0);
const perRun = (values, f = (v) => v.toFixed(1)) => values.map((v) => (v == null ? '—' : f(v))).join('/');

/** The goal's ratio within each rep (modes of one rep ran back to back), to show how close to 0.5 it is. */
function perRepRatios(d) {
  const reps = [...new Set(d.runs.map((r) => r.rep))];
  const ratios = reps
    .map((rep) => {
      const get = (mode) => d.runs.find((r) => r.rep === rep && r.mode === mode)?.cpuMsPerReq;
      const off = get('off');
      return off == null ? null : (get('ours') - off) / (get('zero') - off);
    })
    .filter((v) => v != null && Number.isFinite(v));
  return ratios.length > 1 ? ` (within each rep: ${ratios.map((v) => v.toFixed(2)).join(' / ')})` : '';
}

function modesTable(d) {
  const rows = Object.entries(d.modes).map(([id, m]) => [
    m.label,
    m.protocol ?? '—',
    fmt(m.rps, 0),
    fmt(m.p50, 2),
    fmt(m.p99, 2),
    us(m.cpuMsPerReq),
    id === 'off' ? '0 (baseline)' : signed(m.overheadVsOff * 1000, 0),
    id === 'plain' ? '0 (reference)' : signed(m.overheadVsPlain * 1000, 0),
    fmt(m.spansPerReq, 2),
    m.overheadPerSpanUs == null ? '—' : fmt(m.overheadPerSpanUs, 0),
    m.exportUsPerSpan == null ? '—' : fmt(m.exportUsPerSpan, 0),
    `${mib(m.rssStartMiB)} → ${mib(m.rssMiB)}`,
    m.errors,
  ]);
  return table(
    [
      'Mode',
      'OTLP protocol',
      'req/s',
      'p50 ms',
      'p99 ms',
      'CPU µs/request',
      'overhead vs tracing off µs',
      'overhead vs no OTel µs',
      'spans/request',
      'overhead µs/span',
      'export µs/span',
      'RSS MiB ready → after load',
      'client errors',
    ],
    rows,
    [null, null, 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

/** Our wiring's gRPC and OTLP/HTTP rows of one target's modes (either may be the generated default). */
export function protocolPair(modes) {
  const ours = ['ours', 'grpc', 'http'].map((id) => modes?.[id]).filter(Boolean);
  return { grpc: ours.find((m) => m.protocol === 'grpc'), http: ours.find((m) => m.protocol === 'http/protobuf') };
}

/** HTTP minus gRPC CPU per exported span, in µs (negative: HTTP is cheaper). */
function httpMinusGrpcUs(grpc, http) {
  if (!grpc || !http || !(grpc.spansPerReq > 0.05)) return null;
  return ((http.cpuMsPerReq - grpc.cpuMsPerReq) * 1000) / ((grpc.spansPerReq + http.spansPerReq) / 2);
}

/** The exporters alone (lib/export-cost.mjs): encoding, and encoding + sending, per span. */
function exporterAlone(e) {
  if (!e) return [];
  if (e.error) return [`The exporters alone: not measured (${e.error}).`, ''];
  const cpu = e.cpuUsPerSpan;
  const grpc = cpu.grpc - cpu.encode;
  const http = cpu['http/protobuf'] - cpu.encode;
  return [
    `The exporters alone (bench/lib/export_cost.py: the same batch of ${e.spans} real spans, ${(e.bytes / 1024).toFixed(0)} KiB encoded, exported ${e.rounds} times through each to the receiver, rounds interleaved, CPU time of the exporting process, every thread, median): encoding the OTLP protobuf message ${fmt(cpu.encode, 1)} µs per span; encoding and sending over gRPC ${fmt(cpu.grpc, 1)} µs, over OTLP/HTTP ${fmt(cpu['http/protobuf'], 1)} µs. The transport itself is ${fmt(grpc, 1)} µs (gRPC) against ${fmt(http, 1)} µs (HTTP) per span: ${fmt((100 * cpu.encode) / cpu.grpc, 0)} % of exporting is building the message, the same code for both. What the load runs charge per exported span beyond that (the export µs/span column) lies outside the exporter: the batch processor's queue in the request path, and the export thread taking turns with the event loop for the GIL (not split further here).`,
    '',
  ];
}

function protocolSection(d) {
  const services = [
    { name: 'FastAPI, our wiring', ...protocolPair(d.modes) },
    { name: 'FastAPI, zero-code wrapper', grpc: d.modes.zero, http: d.modes.zerohttp },
    ...(d.frameworks ?? []).filter((f) => !f.error).map((f) => ({ name: f.displayName, ...protocolPair(f.modes) })),
  ].filter((s) => s.grpc && s.http);
  if (!services.length) return [];
  const deltas = services.map((s) => httpMinusGrpcUs(s.grpc, s.http));
  const { grpc, http } = protocolPair(d.modes);
  const cheaper = deltas.every((v) => v != null && v < 0);
  const dearer = deltas.every((v) => v != null && v > 0);
  return [
    '### OTLP/HTTP protobuf against gRPC',
    '',
    `The same service and spans, only \`OTEL_EXPORTER_OTLP_PROTOCOL\` differs (and the receiver port it points at); the generated default is \`${d.config.generatedProtocol ?? 'grpc'}\`. "HTTP − gRPC per span" = the difference in CPU per request divided by the spans exported per request. FastAPI's export cost per span = CPU per request minus the spans-made-but-not-exported row, per exported span: what batching, encoding and sending cost${grpc?.exportUsPerSpan != null && http?.exportUsPerSpan != null ? ` — gRPC ${fmt(grpc.exportUsPerSpan, 0)} µs, OTLP/HTTP ${fmt(http.exportUsPerSpan, 0)} µs per span` : ''}. Both exporters encode with the same code (opentelemetry-exporter-otlp-proto-common); they differ in the transport: grpcio's C core against \`requests\`/urllib3, one POST per batch.`,
    '',
    table(
      [
        'Service',
        'CPU µs/request gRPC → HTTP',
        'HTTP − gRPC per span µs',
        'p99 ms gRPC → HTTP',
        'RSS after load MiB gRPC → HTTP',
        'graceful stop ms gRPC → HTTP',
        'spans/request gRPC / HTTP',
      ],
      services.map((s, i) => [
        s.name,
        `${us(s.grpc.cpuMsPerReq)} → ${us(s.http.cpuMsPerReq)}`,
        signed(deltas[i], 1),
        `${fmt(s.grpc.p99, 2)} → ${fmt(s.http.p99, 2)}`,
        `${mib(s.grpc.rssMiB)} → ${mib(s.http.rssMiB)}`,
        `${fmt(s.grpc.stopMs, 0)} → ${fmt(s.http.stopMs, 0)}`,
        `${fmt(s.grpc.spansPerReq, 2)} / ${fmt(s.http.spansPerReq, 2)}`,
      ]),
      [null, 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    ...exporterAlone(d.exportCost),
    `Per span, OTLP/HTTP protobuf is ${cheaper ? '**cheaper** than gRPC on every service measured' : dearer ? '**dearer** than gRPC on every service measured' : '**not consistently cheaper** than gRPC (the sign differs between services: within the noise of this machine)'} (median ${signed(median(deltas), 1)} µs per span); it saves the memory of grpcio's C core. The default follows the CPU figure.`,
    '',
  ];
}

/** Frameworks where our wiring costs more than the wrapper although both export the same spans. */
function dearerThanWrapper(measured) {
  const dearer = measured.filter(
    (f) => f.goal.ratio > 1 && Math.abs(f.modes.zero.spansPerReq - f.modes.ours.spansPerReq) < 0.1,
  );
  if (!dearer.length) return [];
  return [
    `${dearer.map((f) => `${f.displayName} (${us(f.goal.ours)} against ${us(f.goal.zero)} µs)`).join(' and ')}: with the same two spans per request (the WSGI instrumentations make no send/receive spans), our wiring costs more than the wrapper. What app/telemetry.py adds per span on top of the SDK — the secret redaction of every span's attributes and trace/span ids from the operating system's random source — is the candidate; the difference was not profiled here.`,
    '',
  ];
}

function frameworksSection(d) {
  const measured = (d.frameworks ?? []).filter((f) => !f.error);
  const failed = (d.frameworks ?? []).filter((f) => f.error);
  if (!measured.length && !failed.length) return [];
  const rows = [{ displayName: 'FastAPI', server: 'uvicorn', modes: d.modes, goal: d.goal, closed: true }, ...measured];
  const cell = (f, id, pick) => (f.modes[id] ? pick(f.modes[id]) : '—');
  return [
    '### Starlette, Flask and Django',
    '',
    `Each generated with \`--framework <name>\` and given the same no-sleep route, served by its generated server command (Starlette: uvicorn; Flask and Django: gunicorn with the generated gunicorn.conf.py, one worker), under an open-loop load of ${d.config.frameworkRate ?? 400} requests/s (bench/lib/paced-load.mjs: gunicorn's sync worker closes every connection, so a closed loop would measure reconnects), ${d.config.warmupSec} s warm-up then ${d.config.durationSec} s, modes interleaved with FastAPI's, medians of ${d.config.reps}. The untraced copy for the wrapper and the no-OpenTelemetry row has its app/telemetry.py replaced by a stub that builds nothing (lib/framework-variants.mjs); the app then installs no instrumentation, and the SDK is never imported. FastAPI's row is the closed-loop run above. The ≤ 0.5 × goal is FastAPI's; the others are reported.`,
    '',
    table(
      [
        'Framework (server)',
        'CPU µs/request: no OTel / off / ours / wrapper',
        'our overhead µs',
        'wrapper overhead µs',
        'ours / wrapper',
        'p99 ms: off / ours / wrapper',
        'spans/request ours / wrapper',
        'RSS MiB after load: no OTel / off / ours / wrapper',
        'client errors',
      ],
      rows.map((f) => [
        `${f.displayName} (${f.server ?? '?'})${f.closed ? ', closed loop' : ''}`,
        ['plain', 'off', 'ours', 'zero'].map((id) => cell(f, id, (m) => us(m.cpuMsPerReq))).join(' / '),
        us(f.goal.ours),
        us(f.goal.zero),
        `${fmt(f.goal.ratio, 2)} ×`,
        ['off', 'ours', 'zero'].map((id) => cell(f, id, (m) => fmt(m.p99, 1))).join(' / '),
        `${cell(f, 'ours', (m) => fmt(m.spansPerReq, 2))} / ${cell(f, 'zero', (m) => fmt(m.spansPerReq, 2))}`,
        ['plain', 'off', 'ours', 'zero'].map((id) => cell(f, id, (m) => mib(m.rssMiB))).join(' / '),
        Object.values(f.modes).reduce((a, m) => a + m.errors, 0),
      ]),
      [null, 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    ...dearerThanWrapper(measured),
    `p99 per run (off / ours / wrapper): ${measured
      .map((f) => `${f.name} ${['off', 'ours', 'zero'].map((id) => perRun(f.modes[id]?.p99All ?? [])).join(' / ')}`)
      .join('; ')} ms.`,
    '',
    ...failed.map((f) => `- ${f.displayName ?? f.name}: not measured (${f.error}).`),
    ...(failed.length ? [''] : []),
  ];
}

/** The groups whose count or bytes differ most between two census entries, largest first. */
function topDiffs(a, b, key, n, scale = 1, unit = '') {
  const groups = new Set([...Object.keys(a?.[key] ?? {}), ...Object.keys(b?.[key] ?? {})]);
  return [...groups]
    .map((g) => [g, ((b?.[key]?.[g] ?? 0) - (a?.[key]?.[g] ?? 0)) / scale])
    .filter(([, v]) => Math.abs(v) >= (scale > 1 ? 0.05 : 1))
    .sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]))
    .slice(0, n)
    .map(([g, v]) => `${g} ${signed(v, scale > 1 ? 1 : 0, unit)}`)
    .join(', ');
}

const MIB = 1048576;

/** One "what the difference is made of" line: `to` against `from` in one target's census and load runs. */
function diffLine(name, census, modes, from, to) {
  const a = census[from];
  const b = census[to];
  if (!a || !b || a.error || b.error) return null;
  const rssImport = (b.rssKiB - a.rssKiB) / 1024;
  const alloc = (b.allocatedBytes - a.allocatedBytes) / MIB;
  const afterLoad = modes[to] && modes[from] ? modes[to].rssMiB - modes[from].rssMiB : null;
  return `- ${name}, ${to} − ${from}: after the load ${signed(afterLoad, 1, ' MiB')}; at import ${signed(rssImport, 1, ' MiB')} RSS, of which Python objects ${signed(alloc, 1, ' MiB')} (${topDiffs(a, b, 'allocatedBytesByGroup', 5, MIB, ' MiB')}) and native code and data (shared libraries, allocator) the other ${signed(rssImport - alloc, 1, ' MiB')}; ${signed(b.modules - a.modules, 0)} modules (${topDiffs(a, b, 'modulesByGroup', 6)}).`;
}

function memorySection(d) {
  if (!d.memory) return [];
  const targets = [{ name: 'fastapi', displayName: 'FastAPI', modes: d.modes }, ...(d.frameworks ?? [])].filter(
    (t) => !t.error && d.memory[t.name],
  );
  const rows = targets.flatMap((t) =>
    Object.entries(d.memory[t.name]).map(([id, c]) => [
      t.displayName,
      t.modes[id]?.label ?? id,
      c.error ? '—' : fmt(c.rssKiB / 1024, 1),
      t.modes[id] ? `${mib(t.modes[id].rssStartMiB)} → ${mib(t.modes[id].rssMiB)}` : '—',
      c.error ? c.error : fmt(c.modules, 0),
      c.error ? '—' : fmt(c.allocatedBytes / MIB, 1),
    ]),
  );
  const lines = targets.flatMap((t) => {
    const { grpc, http } = protocolPair(t.modes);
    const idOf = (m) => Object.keys(t.modes).find((k) => t.modes[k] === m);
    return [
      diffLine(t.displayName, d.memory[t.name], t.modes, 'off', 'ours'),
      diffLine(t.displayName, d.memory[t.name], t.modes, 'plain', 'off'),
      diffLine(t.displayName, d.memory[t.name], t.modes, 'plain', 'zero'),
      grpc && http ? diffLine(t.displayName, d.memory[t.name], t.modes, idOf(grpc), idOf(http)) : null,
    ].filter(Boolean);
  });
  return [
    '### Memory',
    '',
    'RSS of the whole process group (for gunicorn: master + worker) when the service answered /healthz and right after the load, medians of the load runs; next to it what importing the app alone loads, in a separate process with the same variant, venv and environment (bench/lib/rss_census.py; under the wrapper where the mode uses it): RSS, modules in sys.modules, and the bytes Python allocated (a second process under PYTHONTRACEMALLOC=1), grouped by the package whose code allocated them.',
    '',
    table(
      [
        'Service',
        'Mode',
        'RSS at import MiB',
        'RSS MiB ready → after load',
        'modules',
        'Python allocations at import MiB',
      ],
      rows,
      [null, null, 'r', 'r', 'r', 'r'],
    ),
    '',
    'What the differences are made of (ours − off: what tracing adds to the same app; off − plain: what the SDK costs imported but disabled; zero − plain: the wrapper; HTTP − gRPC: the exporter transport):',
    '',
    ...lines,
    '',
  ];
}

function missedNote(d, collector) {
  const ours = d.modes.ours;
  const zero = d.modes.zero;
  const needUs = (d.goal.ours - 0.5 * d.goal.zero) * 1000;
  const ser = collector?.serialise?.[collector?.exportBatchSize ?? 512];
  const encodeUs = d.exportCost?.cpuUsPerSpan?.encode ?? (ser && !ser.error ? (ser.ms / ser.spans) * 1000 : null);
  const serPerReqUs = encodeUs == null ? null : encodeUs * ours.spansPerReq;
  const ne = d.modes.noexport;
  return `- **Missed**: ${us(d.goal.ours)} µs against ${us(d.goal.zero)} µs is ${fmt(d.goal.ratio, 2)} ×. Per exported span the two cost about the same (ours ${fmt(ours.overheadPerSpanUs, 0)} µs, the wrapper ${fmt(zero.overheadPerSpanUs, 0)} µs): the same SDK, the same ASGI middleware and the same exporter do the work; the wrapper costs more per request only because it also exports ${fmt(zero.spansPerReq - ours.spansPerReq, 1)} \`http send\` spans, which are cheap (few attributes). Reaching 0.5 × needs ${fmt(needUs, 0)} µs less per traced request${serPerReqUs != null ? `; building the OTLP protobuf message for our ${fmt(ours.spansPerReq, 0)} spans alone is about ${fmt(serPerReqUs, 0)} µs per request (the exporters-alone figures below)` : ''}. ${ne ? `Where our ${us(d.goal.ours)} µs go: making the two spans in the request path (the ASGI middleware, the SDK's span objects, sampler, ids, context) is ${us(ne.overheadVsOff)} µs (the spans-made-but-not-exported row, ${fmt((100 * ne.overheadVsOff) / d.goal.ours, 0)} %), batching, encoding and sending them the other ${us(d.goal.ours - ne.overheadVsOff)} µs; making the spans alone is already ${fmt(ne.overheadVsOff / d.goal.zero, 2)} × the wrapper's whole overhead. ` : ''}The exporter's transport does not get there (the OTLP/HTTP rows: dearer, not cheaper); what would is upstream: an encoder in opentelemetry-exporter-otlp-proto-common that writes the protobuf bytes from the spans instead of building message objects in Python (the encoding is most of the exporting, below), less per-span work in the SDK and the ASGI instrumentation (fewer attributes on the server span), or sampling (the 10 % row: ${signed(d.modes.ratio10?.overheadVsOff * 1000, 0)} µs per request).`;
}

/**
 * FastAPI's own instrumentation (the generated wiring) against FastAPIInstrumentor on the same app, and
 * what FastAPI's own keeps of the smoke checks: the reason the template uses it from FastAPI 0.142 on.
 */
function instrumentorNote(d) {
  const native = d.modes.ours;
  const instrumentor = d.modes.instrumentor;
  if (!instrumentor) return [];
  const ratio = instrumentor.overheadVsOff > 0 ? native.overheadVsOff / instrumentor.overheadVsOff : null;
  const noexport = d.modes.noexport;
  const exportUs = noexport ? (native.overheadVsOff - noexport.overheadVsOff) * 1000 : null;
  return [
    `- FastAPI’s own instrumentation (the generated wiring, \`FastAPI(telemetry={...})\`, FastAPI ≥ 0.142) against FastAPIInstrumentor on the same app, providers and excluded URLs: overhead ${fmt(native.overheadVsOff * 1000, 0)} µs vs ${fmt(instrumentor.overheadVsOff * 1000, 0)} µs per request = ${fmt(ratio, 2)} ×, p99 ${fmt(native.p99, 2)} vs ${fmt(instrumentor.p99, 2)} ms, ${fmt(native.spansPerReq, 2)} vs ${fmt(instrumentor.spansPerReq, 2)} spans per request. The difference is in the request path, where the server span is made; ${exportUs != null ? `exporting the same two spans (about ${fmt(exportUs, 0)} µs) is common to both. ` : ''}It keeps every smoke check (two spans per request, the route-template span name, the excluded URLs, no send/receive spans, the stable HTTP attributes, one http.server.request.duration count per request, the log record's trace ids) given \`operation_spans: False\` and an \`exclude\` hook over the same patterns; its server span records no client.address/client.port and no exception event (an unhandled error sets error.type and the ERROR status, and reaches the logs through Python logging).`,
  ];
}

export function overheadSection(d, collector) {
  if (!d) return '## 2. Instrumentation overhead\n\nNot run yet: `npm run bench -- overhead`.\n';
  const c = d.config;
  const out = [
    '## 2. Instrumentation overhead',
    '',
    `The generated FastAPI service with a no-sleep route \`${c.route}\` appended (server span + one manual child span, nothing else), uvicorn, ${c.workers} worker, \`${c.serverFlags}\`, on 127.0.0.1. Load: autocannon, ${c.connections} connections, closed loop, ${c.warmupSec} s warm-up then ${c.durationSec} s measured, every mode started fresh with its own receiver, modes interleaved in rotating order, **median of ${c.reps} runs**. CPU = utime+stime of the service's process group (event loop + export thread) from /proc, sampled after the warm-up and after the load, divided by the requests answered. Spans per request = spans the receiver got (after a graceful stop) / requests sent (warm-up included). Export µs/span = CPU per request over the spans-made-but-not-exported row, per exported span.`,
    '',
    modesTable(d),
    '',
    `Per-run CPU µs/request: ${Object.entries(d.modes)
      .map(([id, m]) => `${id} ${perRun(m.cpuMsPerReqAll, (v) => (v * 1000).toFixed(0))}`)
      .join('; ')}.`,
    '',
    'Notes:',
    '',
    '- The zero-code wrapper runs a copy of the same app with our telemetry removed (no app/telemetry.py, FastAPI’s own instrumentation switched off), under `opentelemetry-instrument --traces_exporter otlp --metrics_exporter none --logs_exporter none`, with the distro of the same contrib line; it uses the SDK defaults (BatchSpanProcessor 2048/512/5 s, the same as ours). It cannot be told to skip the ASGI `http send`/`http receive` spans (no environment variable for `exclude_spans`), so it exports two extra spans per request.',
    '- "tracing off" is the generated app with `OTEL_SDK_DISABLED=true` (it then skips its instrumentation middleware); "no OTel at all" is the same app without any OpenTelemetry, which shows what `OTEL_SDK_DISABLED` leaves behind.',
    ...instrumentorNote(d),
    `- Goal (overhead = CPU/request − CPU/request with tracing off, as the issue defines it): our overhead ${us(d.goal.ours)} µs vs the wrapper's ${us(d.goal.zero)} µs per request = ${fmt(d.goal.ratio, 2)} × (target ≤ 0.5 ×): ${status(d.goal.met)}${perRepRatios(d)}. Measured against the app with no OpenTelemetry at all instead, it is ${us(d.goal.oursVsPlain)} vs ${us(d.goal.zeroVsPlain)} µs = ${fmt(d.goal.ratioVsPlain, 2)} ×.`,
  ];
  if (!d.goal.met) out.push(missedNote(d, collector));
  out.push('', ...protocolSection(d), ...frameworksSection(d), ...memorySection(d));
  return out.join('\n');
}

/** The overhead goal row's measured text: FastAPI's ratio, then the other frameworks' (reported). */
export function overheadGoalText(o) {
  const others = (o.frameworks ?? [])
    .filter((f) => !f.error)
    .map((f) => `${f.displayName} ${fmt(f.goal.ratio, 2)} ×`)
    .join(', ');
  return `${us(o.goal.ours)} µs vs ${us(o.goal.zero)} µs per request (${fmt(o.goal.ratio, 2)} ×)${others ? `; reported: ${others}` : ''}`;
}
