/** RESULTS.md for the live view's part: its goal rows and its section (ingest, memory, opening a trace, request to screen, dev start). */
import { fmt } from './stats.mjs';

const row = (cells) => `| ${cells.join(' | ')} |`;
const status = (met) => (met === undefined ? 'not run' : met ? '**met**' : '**missed**');
const mb = (mib) => (mib == null ? '—' : `${fmt((mib * 1024 * 1024) / 1e6, 0)} MB`);
const ms = (v) => (v == null ? '—' : `${fmt(v, 0)} ms`);
const count = (v) => (v == null ? '—' : v.toLocaleString('en-US'));
const list = (values) => values.map((v) => fmt(v, 0)).join(' / ');

/** The Goals table's rows for part 8 (none when it has not run). */
export function viewGoalRows(part) {
  const d = part?.data;
  if (!d) return [['8. Live view', 'ingest, memory, opening a trace, request to screen', '—', 'not run']];
  const s = d.summary;
  const withPage = d.ingest.filter((r) => r.mode === 'page');
  const last = withPage.at(-1);
  const big = d.open?.bySize[d.config.bigTraceSpans];
  const small = d.open?.bySize[d.config.smallTraceSpans];
  const st = d.start;
  return [
    [
      '8. View ingest',
      `≥ 20,000 spans/s over OTLP/HTTP protobuf, batches of ${d.config.batchSize}, the page open and updating; no span lost below the cap`,
      `${fmt(s.spansPerSec, 0)} spans/s with the page open (${fmt(s.noPageSpansPerSec, 0)} with none), medians of ${d.config.reps}; the view's own CPU ${fmt(s.viewCpuUsPerSpan, 1)} µs per span (≈ ${count(Math.round(1e6 / s.viewCpuUsPerSpan / 1000) * 1000)} spans/s on a core of its own); every run: sent ${count(last?.sent)}, held ${count(last?.held)}, ${s.lossless ? 'none dropped or refused' : '**some dropped or refused**'}`,
      status(d.goal.ingest),
    ],
    [
      '8. View memory',
      `RSS ≤ 300 MB with ${count(d.config.spans)} spans held`,
      `${mb(s.rssHeldMiB)} (${fmt(s.rssHeldMiB, 0)} MiB; peak during ingest ${mb(s.rssPeakMiB)})`,
      status(d.goal.memory),
    ],
    [
      '8. Open a trace',
      `a ${count(d.config.bigTraceSpans)}-span trace, click to drawn ≤ 100 ms`,
      big
        ? `${ms(big.drawnMs)} to its first screen drawn, ${ms(big.allDrawnMs)} to all ${count(d.config.bigTraceSpans)} rows (medians of ${d.config.openReps}; ${d.config.smallTraceSpans} spans: ${ms(small?.drawnMs)})`
        : '—',
      status(d.goal.open),
    ],
    [
      '8. Request to screen',
      '`dev` on the generated service: a request to its trace on screen ≤ 1 s',
      `${ms(d.screen.fromRequestMs)} (median of ${d.config.screenReps}; the route itself takes ${ms(d.screen.responseMs)})`,
      status(d.goal.screen),
    ],
    [
      '8. `dev` start',
      'reported: `dev` to page and service ready, next to the plain start command',
      `${fmt(st.devReadyMs / 1000, 2)} s vs ${fmt(st.plainReadyMs / 1000, 2)} s for uvicorn alone (${fmt(st.ratio, 2)} ×), medians of ${d.config.startReps}`,
      'reported',
    ],
  ];
}

function ingestTable(d) {
  return [
    row([
      'Rep',
      'Page',
      'spans/s',
      'batch p50 / p99',
      'sent',
      'held',
      'dropped',
      'refused',
      'RSS held',
      'RSS peak',
      'view CPU',
      'µs/span',
      'browser CPU',
      'list refreshes',
    ]),
    row(['---:', '---', ...Array(12).fill('---:')]),
    ...d.ingest.map((r) =>
      row([
        r.rep + 1,
        r.mode === 'page' ? 'open' : 'none',
        fmt(r.spansPerSec, 0),
        `${fmt(r.batchP50Ms, 1)} / ${fmt(r.batchP99Ms, 1)} ms`,
        r.sent,
        r.held,
        r.dropped,
        r.failed,
        mb(r.rssHeldMiB),
        mb(r.rssPeakMiB),
        `${fmt(r.viewCpuSec, 1)} s`,
        fmt((r.viewCpuSec * 1e6) / r.sent, 1),
        r.browserCpuSec == null ? '—' : `${fmt(r.browserCpuSec, 1)} s`,
        r.listFetches ?? '—',
      ]),
    ),
  ];
}

function openTable(d) {
  const o = d.open;
  return [
    row(['Trace', 'first screen drawn', 'all rows drawn', "the page's fetch", 'API alone', 'each run (first screen)']),
    row(['---', '---:', '---:', '---:', '---:', '---']),
    ...[d.config.smallTraceSpans, d.config.bigTraceSpans].map((n) => {
      const x = o.bySize[n];
      return row([
        `${count(n)} spans`,
        ms(x.drawnMs),
        ms(x.allDrawnMs),
        ms(x.fetchMs),
        ms(x.apiMs),
        `${list(x.runs.map((r) => r.drawnMs))} ms`,
      ]);
    }),
  ];
}

export function viewSection(part) {
  const d = part?.data;
  if (!d) return '## 8. Live view\n\nNot run yet: `npm run bench -- view`.\n';
  const c = d.config;
  const first = d.ingest[0];
  const o = d.open;
  const st = d.start;
  const out = [
    '## 8. Live view',
    '',
    `\`create-traced-service view\` runs as its own process (free ports, the default cap of 100,000 spans), so its RSS and CPU come from /proc alone. A separate Node process encodes ${count(c.spans)} spans first (traces of 2–20 spans: a server span with the HTTP attributes, internal and client children; ${first?.batches} export requests of ${c.batchSize} spans, ${fmt(first?.bytes / 1e6, 1)} MB of OTLP/HTTP protobuf, encoded with the receiver's own message definitions), then posts them over keep-alive HTTP/1.1, ${c.concurrency} in flight, as fast as the view answers; spans/s = spans accepted / wall time from the first request to the last answer. "Page open": headless Chromium (puppeteer-core, ${c.chromium}, ${c.viewport}) on the trace list, which refetches the list and the overview on every update event the view pushes (at most one per 200 ms): the browser runs on the same ${part.machine?.cores ?? 2} cores and competes with the view for CPU. "None": no page. Modes interleaved, ${c.reps} reps; each run starts a new view. Held, dropped and refused come from the view's /api/overview and the sender's answers after the last batch.`,
    '',
    ...ingestTable(d),
    '',
    `With the page open it refreshed its list ${list(d.ingest.filter((r) => r.mode === 'page').map((r) => r.listFetches))} times during the runs and showed the final span count ${list(d.ingest.filter((r) => r.mode === 'page').map((r) => r.pageLagMs))} ms after the last answer.`,
    '',
    ...(part.load
      ? [
          `1-minute load average ${fmt(part.load[0], 1)} before and ${fmt(part.load[1], 1)} after, on ${part.machine?.cores ?? '?'} cores: spans/s falls with whatever else runs, the view's CPU per span (µs/span, from /proc) much less; 1 / µs/span is what the view takes on a core of its own.`,
          '',
        ]
      : []),
  ];
  if (o) {
    out.push(
      `### Opening a trace`,
      '',
      `In the last rep's page-open run, with ${count(o.heldAtOpen)} spans held, a ${count(c.smallTraceSpans)}-span and a ${count(c.bigTraceSpans)}-span trace (up to 12 deep) were sent, then clicked in the list ${c.openReps} times each (back to the list in between). Timed inside the page from the click: a MutationObserver sees the waterfall's rows fill the ${c.viewport} viewport (or all rows, when fewer), then a requestAnimationFrame and a task queued from it mark the frame that shows them as painted. The page draws a large trace's first screenful (120 rows) at once and the rest in the next frame; off-screen rows skip layout (\`content-visibility: auto\`). "All rows drawn" is the same mark once all of them are in the DOM.`,
      '',
      ...openTable(d),
      '',
      `For scale, otel-desktop-viewer reports ~28 ms to fetch a 159-span trace and 117 ms for its trace list at 245k spans (its own machine); here the API alone (GET from Node, median of 5) answers the ${c.smallTraceSpans}-span trace in ${ms(o.bySize[c.smallTraceSpans].apiMs)} and the trace list (200 newest) in ${ms(o.listApiMs)} with ${count(o.heldAtOpen)} spans held.`,
      '',
    );
  }
  out.push(
    '### Request to screen',
    '',
    `\`dev\` on the generated FastAPI service (bench/.work/svc, the CLI's defaults), the page open in the same browser. Each request is \`GET /process/{i}\` (its 50 ms \`asyncio.sleep\` included) with a \`traceparent\` naming a new trace id, sent after a random 0–400 ms pause (so it lands at any phase of the export and push intervals); timed from just before the request to the frame that shows the trace's row painted (wall clock in both processes; one warm-up request first, not counted). Runs: ${list(d.screen.runs.map((r) => r.fromRequestMs))} ms; median ${ms(d.screen.fromRequestMs)} from the request, ${ms(d.screen.fromResponseMs)} from its response.`,
    '',
    "`dev` sets `OTEL_BSP_SCHEDULE_DELAY` (and `OTEL_BLRP_SCHEDULE_DELAY`) to 200 ms (`DEV_EXPORT_DELAY_MS` in src/commands/dev.ts) in place of the SDK's 5,000 ms default, which the generated service keeps in production: with 5 s a trace would reach the page up to 5 s after its request. 200 ms matches the page's own push interval: a span is exported within 200 ms of ending, the view tells the page at most 200 ms later, and the page fetches the list; the expected worst case is about 0.5 s plus the request itself. Shorter delays buy little on screen and cost a service under load more, smaller export requests.",
    '',
    '### `dev` start',
    '',
    `From spawn of \`node bin/create-traced-service.js dev <svc>\` to its page answering, the service answering /healthz, and \`dev\` printing the page's address (the moment a person can use both: what the goal row reports), next to the plain start command of the same service (\`${st.plainCommand}\` in its .venv) from spawn to /healthz answering. Both polled every 10 ms; interleaved, ${c.startReps} reps.`,
    '',
    row(['Rep', 'dev: page answers', 'dev: service answers', 'dev: address printed', 'uvicorn alone: /healthz']),
    row(['---:', '---:', '---:', '---:', '---:']),
    ...Array.from({ length: c.startReps }, (_, rep) => {
      const dev = st.runs.find((r) => r.rep === rep && r.mode === 'dev');
      const plain = st.runs.find((r) => r.rep === rep && r.mode === 'plain');
      return row([rep + 1, ms(dev?.pageMs), ms(dev?.serviceMs), ms(dev?.announcedMs), ms(plain?.readyMs)]);
    }),
    row([
      '**median**',
      ms(st.devPageMs),
      ms(st.devServiceMs),
      `**${ms(st.devReadyMs)}**`,
      `**${ms(st.plainReadyMs)}**`,
    ]),
    '',
    `\`dev\` adds ${ms(st.devReadyMs - st.plainReadyMs)} (${fmt(st.ratio, 2)} ×): Node's start and the CLI, reading the project's answers, the receiver and page server (the page answers after ${ms(st.devPageMs)}), then the same uvicorn start.`,
    '',
  );
  return out.join('\n');
}
