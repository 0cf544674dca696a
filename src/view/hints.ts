/**
 * What `doctor` would say about the telemetry the view sees, each finding with the one change that fixes it:
 * per trace, a server span without a route, a probe or scrape that is traced, a span name holding an id; per
 * service, log records written during its requests without their trace. Pure functions of the received data.
 */
import { isUntracedByDefault } from '../options/exclusions.js';
import type { AttrValue, ReceivedLog, ReceivedSpan } from '../receiver/index.js';
import { idInName } from '../smoke/contract.js';

export type HintCode = 'no-route' | 'probe-traced' | 'id-in-name' | 'logs-without-trace';

export interface Hint {
  code: HintCode;
  /** The span it concerns (trace hints). */
  spanId?: string;
  service: string;
  /** What is wrong, one line. */
  message: string;
  /** What to change, one line. */
  fix: string;
}

/** How many log records of a service carry a trace, and how many do not. */
export interface LogTraceCounts {
  traced: number;
  untraced: number;
}

type Language = 'python' | 'nodejs' | 'other';

const str = (v: AttrValue | undefined): string => (typeof v === 'string' ? v : '');

/** The service a span or log record came from, as the page names it. */
export const serviceOf = (resource: Record<string, AttrValue>): string => {
  const name = resource['service.name'];
  return (typeof name === 'string' ? name : name === undefined ? '' : String(name)) || 'unknown_service';
};

function languageOf(span: ReceivedSpan): Language {
  const lang = str(span.resource['telemetry.sdk.language']);
  return lang === 'python' || lang === 'nodejs' ? lang : 'other';
}

/** The request's path without its query: the route when there is one, else the URL's path. */
function pathOf(span: ReceivedSpan): string {
  const a = span.attributes;
  const route = str(a['http.route']);
  if (route) return route;
  const raw = str(a['url.path']) || str(a['http.target']);
  if (raw) return raw.split('?')[0] ?? '';
  // Some instrumentations name the span "GET /path" and record no path attribute.
  const fromName = span.name.split(' ')[1] ?? '';
  return fromName.startsWith('/') ? fromName : '';
}

/** A name that holds a route template ("GET /items/{id}", "/users/:id", "<int:pk>") already groups requests. */
const TEMPLATE = /[{<*]|\/:/;

/** The HTTP status a span records (either semantic-conventions key), 0 when none. */
export function httpStatusOf(span: ReceivedSpan): number {
  const v = span.attributes['http.response.status_code'] ?? span.attributes['http.status_code'];
  return typeof v === 'bigint' || typeof v === 'number' ? Number(v) : 0;
}

const ROUTE_FIX: Record<Language, string> = {
  python:
    "instrument the app itself (the framework's instrument_app(app), not only the ASGI/WSGI server) so its spans carry http.route",
  nodejs:
    "register the framework's instrumentation (express, fastify) next to the HTTP one so its spans carry http.route",
  other: "enable the web framework's instrumentation, not only the HTTP server's, so its spans carry http.route",
};

function excludeFix(lang: Language, path: string): string {
  if (lang === 'python') return `add ${path} to excluded_urls (or OTEL_PYTHON_EXCLUDED_URLS)`;
  if (lang === 'nodejs') return `ignore ${path} in HttpInstrumentation's ignoreIncomingRequestHook`;
  return `exclude ${path} in the HTTP instrumentation's excluded URLs`;
}

/** Records one hint about a span (the trace's collector drops repeats and stops at MAX_TRACE_HINTS). */
type Say = (span: ReceivedSpan, code: HintCode, message: string, fix: string) => void;

function checkServer(span: ReceivedSpan, say: Say): void {
  if (!span.attributes['http.route'] && !TEMPLATE.test(span.name)) {
    const status = httpStatusOf(span);
    // An unmatched request (404, 405) has no route to record.
    if (status !== 404 && status !== 405)
      say(
        span,
        'no-route',
        `server span "${span.name}" has no http.route: its traces and metrics cannot be grouped by route`,
        ROUTE_FIX[languageOf(span)],
      );
  }
  const path = pathOf(span);
  if (path && isUntracedByDefault(path))
    say(
      span,
      'probe-traced',
      `${path} is traced: probes, scrapes and the docs UI make spans that dominate volume and cost`,
      excludeFix(languageOf(span), path),
    );
}

function checkName(span: ReceivedSpan, say: Say): void {
  // Most names hold no digit at all, and an id always does: the cheap test first, a list may summarise many.
  const id = /\d/.test(span.name) ? idInName(span.name) : undefined;
  if (id)
    say(
      span,
      'id-in-name',
      `span name "${span.name}" holds an id (${id}): one name per request (high cardinality)`,
      'name the span by its route template (/items/{id}) and put the id in an attribute',
    );
}

/** Hints kept per trace: a trace of thousands of spans named by id would otherwise send thousands. */
export const MAX_TRACE_HINTS = 20;

/** The hints of one trace, in span order: each said once (on the first span it concerns), at most MAX_TRACE_HINTS. */
export function traceHints(spans: readonly ReceivedSpan[]): Hint[] {
  const hints: Hint[] = [];
  let said: Set<string> | undefined;
  const say: Say = (span, code, message, fix) => {
    const service = serviceOf(span.resource);
    const key = `${service}\n${message}`;
    said ??= new Set();
    if (said.has(key) || hints.length >= MAX_TRACE_HINTS) return;
    said.add(key);
    hints.push({ code, spanId: span.spanId, service, message, fix });
  };
  for (const span of spans) {
    if (hints.length >= MAX_TRACE_HINTS) break;
    if (span.kind === 'SERVER') checkServer(span, say);
    checkName(span, say);
  }
  return hints;
}

/**
 * Per service, its log records without a trace that were written while one of its server spans was open: a
 * request's own log lines that lost the request's context. Records outside every request (start-up, a probe
 * that is rightly not traced, background work) say nothing wrong, so they are not counted.
 */
export function untracedDuringRequests(
  spans: readonly ReceivedSpan[],
  logs: readonly ReceivedLog[],
  services: ReadonlySet<string>,
): Map<string, number> {
  const intervals = new Map<string, [bigint, bigint][]>();
  for (const span of spans) {
    const service = serviceOf(span.resource);
    if (span.kind !== 'SERVER' || !services.has(service)) continue;
    const list = intervals.get(service) ?? [];
    intervals.set(service, list);
    list.push([span.startTimeUnixNano, span.endTimeUnixNano]);
  }
  // Sorted by start, with the latest end among those started so far: a time is inside some span when the
  // latest end of the spans started before it lies after it.
  const covers = new Map<string, (t: bigint) => boolean>();
  for (const [service, list] of intervals) {
    list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const latestEnd: bigint[] = [];
    for (const [, end] of list) latestEnd.push(latestEnd.length && latestEnd.at(-1)! > end ? latestEnd.at(-1)! : end);
    covers.set(service, (t) => {
      let lo = 0;
      let hi = list.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]![0] <= t) (found = mid), (lo = mid + 1);
        else hi = mid - 1;
      }
      return found >= 0 && latestEnd[found]! >= t;
    });
  }
  const counts = new Map<string, number>();
  for (const log of logs) {
    if (log.traceId) continue;
    const service = serviceOf(log.resource);
    const t = log.timeUnixNano || log.observedTimeUnixNano;
    if (covers.get(service)?.(t)) counts.set(service, (counts.get(service) ?? 0) + 1);
  }
  return counts;
}

/** Per service, the hint for its log records that were written during a request without the request's trace. */
export function logHints(untraced: ReadonlyMap<string, number>): Hint[] {
  const hints: Hint[] = [];
  for (const [service, count] of untraced) {
    if (count === 0) continue;
    hints.push({
      code: 'logs-without-trace',
      service,
      message:
        count === 1
          ? `a log record of ${service} written during a request carries no trace id`
          : `${count} log records of ${service} written during requests carry no trace id`,
      fix: 'export logs through the OpenTelemetry logging handler (or bridge) on the thread that logs, with the request span current',
    });
  }
  return hints;
}
