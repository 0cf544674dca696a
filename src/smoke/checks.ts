/**
 * The smoke test's verdicts: pure functions from what was sent and what was received to named pass/fail
 * lines, each failure explained in the guide's own terms.
 */
import type { AttrValue, ReceivedLog, ReceivedMetricPoint, ReceivedSpan } from '../receiver/model.js';
import { SIGNAL_CHECKS, workerMetricsCheck } from './signal-checks.js';

export interface SmokeExpectation {
  serviceName: string;
  environment: string;
  serverSpanName: string;
  route: string;
  childSpanName: string;
  childAttributes: Record<string, string>;
  spansPerRequest: number;
  /** Paths requested that must produce no span. */
  excludedPaths: string[];
  /** The delay after which the batch processor would have exported on its own. */
  scheduleDelayMillis: number;
  /** Check the manual child span (default true). An existing app traced by add-tracing has none. */
  expectChild?: boolean;
  /**
   * How `spansPerRequest` is compared (default 'exact'). 'atLeast' is for existing apps, which may open
   * spans of their own inside a request.
   */
  spansPerRequestMode?: 'exact' | 'atLeast';
  /** Signals the service is expected to export besides spans (default: none checked). */
  signals?: readonly ('traces' | 'metrics' | 'logs')[];
  /** Text of the log record the sample route writes inside its span (generated services only). */
  logBody?: string;
}

export interface SentRequest {
  purpose: 'sample' | 'traceparent' | 'excluded';
  path: string;
  status: number;
  durationMs: number;
  /** For the traceparent request: the inbound ids. */
  inbound?: { traceId: string; spanId: string };
  error?: string;
  /** The start of the body of a non-2xx answer. */
  bodyExcerpt?: string;
}

export interface ShutdownOutcome {
  /** ms from SIGTERM to exit; undefined if it had to be killed. */
  exitAfterMs?: number;
  exitCode: number | null;
  signal: string | null;
  killed: boolean;
  /** Date.now() when SIGTERM was sent. */
  sigtermAtMs: number;
}

export interface SmokeCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What a failure means and what to do, in the guide's terms. */
  diagnosis?: string;
}

/** A request that took longer than this is treated as blocked on export (the sample route itself takes ~50 ms; a loaded CI machine must not trip it). */
export const BLOCKED_REQUEST_MS = 2000;

const attr = (span: ReceivedSpan, ...keys: string[]): AttrValue | undefined => {
  for (const key of keys) if (span.attributes[key] !== undefined) return span.attributes[key];
  return undefined;
};

// Old and stable HTTP semantic conventions: instrumentations emit one or the other (or both).
export const HTTP_METHOD_KEYS = ['http.request.method', 'http.method'];
export const HTTP_ROUTE_KEYS = ['http.route'];
export const HTTP_STATUS_KEYS = ['http.response.status_code', 'http.status_code'];
const HTTP_PATH_KEYS = ['url.path', 'http.target', 'http.url', 'url.full'];

export const check = (name: string, ok: boolean, detail: string, diagnosis?: string): SmokeCheck =>
  ok ? { name, ok, detail } : { name, ok, detail, ...(diagnosis ? { diagnosis } : {}) };

function serverSpansNamed(spans: ReceivedSpan[], name: string): ReceivedSpan[] {
  return spans.filter((s) => s.kind === 'SERVER' && s.name === name);
}

function describeSpans(spans: ReceivedSpan[]): string {
  if (spans.length === 0) return 'none';
  return (
    spans
      .slice(0, 6)
      .map((s) => `${s.kind} "${s.name}"`)
      .join(', ') + (spans.length > 6 ? `, … (${spans.length} in all)` : '')
  );
}

export interface SmokeInput {
  expectation: SmokeExpectation;
  spans: ReceivedSpan[];
  requests: SentRequest[];
  shutdown: ShutdownOutcome;
  /** Whether spans could only arrive at exit (console exporter: read from stdout afterwards). */
  spansReadAfterExit: boolean;
  /** Log records and metric points received; left out when those signals are not checked. */
  logs?: ReceivedLog[];
  metrics?: ReceivedMetricPoint[];
}

/** What the named checks share: the input, plus the sample request's spans once found. */
export interface CheckContext extends SmokeInput {
  sample?: SentRequest;
  continued?: SentRequest;
  /** SERVER spans named as expected. */
  servers: ReceivedSpan[];
  /** The sample request's server span (not the one continuing the inbound trace). */
  sampleServer?: ReceivedSpan;
  /** The manual child of the sample server span, when one is expected and found. */
  sampleChild?: ReceivedSpan;
}

export type NamedCheck = (ctx: CheckContext) => SmokeCheck | undefined;

function contextOf(input: SmokeInput): CheckContext {
  const { expectation: e, spans, requests } = input;
  const continued = requests.find((r) => r.purpose === 'traceparent');
  const servers = serverSpansNamed(spans, e.serverSpanName);
  const sampleServer = servers.find((s) => !continued?.inbound || s.traceId !== continued.inbound.traceId);
  const children = spans.filter((s) => s.name === e.childSpanName && s.kind === 'INTERNAL');
  const sampleChild =
    sampleServer && e.expectChild !== false
      ? (children.find((s) => s.traceId === sampleServer.traceId) ?? children[0])
      : undefined;
  return {
    ...input,
    sample: requests.find((r) => r.purpose === 'sample'),
    continued,
    servers,
    sampleServer,
    sampleChild,
  };
}

// Requests themselves: the service must answer, and promptly.
const answeredCheck: NamedCheck = ({ requests }) => {
  const failedRequests = requests.filter((r) => r.error !== undefined || r.status >= 500 || r.status === 0);
  return check(
    'service answered every request',
    failedRequests.length === 0,
    failedRequests.length === 0
      ? `${requests.length} requests answered`
      : failedRequests.map((r) => `${r.path}: ${r.error ?? `HTTP ${r.status}`}`).join('; '),
    'the service failed while handling requests; see its output above',
  );
};

/**
 * A span exported on the request path (a SimpleSpanProcessor) slows every traced request by the export;
 * one slow request among fast ones is a cold start on a loaded machine (first request of a worker), not that.
 */
const notBlockedCheck: NamedCheck = ({ requests }) => {
  const traced = requests.filter((r) => r.purpose !== 'excluded' && r.error === undefined);
  const slow = traced.filter((r) => r.durationMs > BLOCKED_REQUEST_MS);
  const blocked = slow.length > 0 && (slow.length === traced.length || slow.length > traced.length / 2);
  const slowest = `slowest request ${Math.round(Math.max(0, ...requests.map((r) => r.durationMs)))}ms`;
  return check(
    'no request blocked on export',
    !blocked,
    !blocked
      ? `${slowest}${slow.length > 0 ? ` (${slow.length} of ${traced.length} traced requests over ${BLOCKED_REQUEST_MS}ms)` : ''}`
      : slow.map((r) => `${r.path} took ${Math.round(r.durationMs)}ms`).join('; '),
    'spans are exported on the request path: a SimpleSpanProcessor (or a synchronous exporter call) blocks the event loop on every span; use a BatchSpanProcessor, which exports from a background thread',
  );
};

/**
 * A sample answered with 404/500 is the app's or the route's problem: no tracing check may blame tracing
 * for it, so it is its own failure and the span checks wait for a 2xx.
 */
const non2xxCheck: NamedCheck = ({ requests }) => {
  const r = requests.find(
    (q) =>
      (q.purpose === 'sample' || q.purpose === 'traceparent') && q.status > 0 && (q.status < 200 || q.status > 299),
  );
  if (!r) return undefined;
  return check(
    'sample request answered 2xx',
    false,
    `GET ${r.path} answered HTTP ${r.status}${r.bodyExcerpt ? `: ${r.bodyExcerpt}` : ''}`,
    r.status === 404 || r.status === 405
      ? 'the route does not exist as requested: pass --route with a GET path the app serves; the span checks need a 2xx answer'
      : r.status === 401 || r.status === 403
        ? 'the route needs a logged-in client: pass --route with a GET path the app serves without one (a health or login page); the span checks need a 2xx answer'
        : 'the app failed on the sample request (see its output); the span checks need a 2xx answer, so they were not run',
  );
};

// Nothing at all: the exporter, the processor or the flush is wrong before any span-level check matters.
const NO_SPANS = check(
  'spans received',
  false,
  'no spans arrived',
  'the provider was never flushed, or the exporter points somewhere else: the app must export through the provider it registers, and force_flush()/shutdown() must run on shutdown (the lifespan for ASGI apps, worker_exit under gunicorn); also check that the service reads OTEL_EXPORTER_OTLP_ENDPOINT',
);

// 1. The sample request's server span.
const serverSpanCheck: NamedCheck = ({ expectation: e, spans, sample, sampleServer }) => {
  const anyServer = spans.filter((s) => s.kind === 'SERVER');
  if (!sampleServer) {
    const concrete = sample ? anyServer.find((s) => s.name.includes(sample.path)) : undefined;
    return check(
      'server span',
      false,
      `no SERVER span named "${e.serverSpanName}" (received: ${describeSpans(spans)})`,
      concrete
        ? 'the server span is named by the concrete path, not the templated route: span names must stay low-cardinality'
        : anyServer.length === 0
          ? 'no SERVER span at all: the app is not instrumented (instrument_app was not called on this app, or it was bound to a provider that does not export)'
          : 'the server span has an unexpected name',
    );
  }
  const method = attr(sampleServer, ...HTTP_METHOD_KEYS);
  const route = attr(sampleServer, ...HTTP_ROUTE_KEYS);
  const status = attr(sampleServer, ...HTTP_STATUS_KEYS);
  const missing = [
    method === undefined ? 'method' : '',
    route !== e.route ? `route (got ${route === undefined ? 'none' : JSON.stringify(route)})` : '',
    status === undefined ? 'status code' : '',
  ].filter(Boolean);
  return check(
    'server span',
    missing.length === 0,
    missing.length === 0
      ? `SERVER "${sampleServer.name}" with method ${String(method)}, route ${String(route)}, status ${String(status)}`
      : `SERVER "${sampleServer.name}" lacks ${missing.join(', ')}`,
    'the HTTP instrumentation did not record the standard attributes; check the instrumentation version matches the SDK',
  );
};

// 2. Resource.
const resourceCheck: NamedCheck = ({ expectation: e, spans, sampleServer }) => {
  const resource = (sampleServer ?? spans[0]!).resource;
  const serviceName = resource['service.name'];
  const environment = resource['deployment.environment.name'] ?? resource['deployment.environment'];
  const ok = serviceName === e.serviceName && environment === e.environment;
  return check(
    'resource',
    ok,
    `service.name=${JSON.stringify(serviceName ?? null)}, deployment.environment.name=${JSON.stringify(environment ?? null)}` +
      (ok ? '' : ` (expected ${JSON.stringify(e.serviceName)}, ${JSON.stringify(e.environment)})`),
    serviceName === 'unknown_service' || String(serviceName ?? '').startsWith('unknown_service')
      ? 'the resource fell back to unknown_service: build the Resource with programmatic defaults before the provider'
      : 'the spans were exported with another resource: the middleware may be bound to a provider other than the one built in the telemetry module',
  );
};

// 3. The manual child, parented by the server span.
const childCheck: NamedCheck = ({ expectation: e, sampleServer, sampleChild: child }) => {
  if (!sampleServer || e.expectChild === false) return undefined;
  if (!child) {
    return check(
      'child span',
      false,
      `no INTERNAL span named "${e.childSpanName}"`,
      'the handler did not record its manual span, or recorded it with another tracer provider',
    );
  }
  const badAttrs = Object.entries(e.childAttributes).filter(([k, v]) => child.attributes[k] !== v);
  const sameTrace = child.traceId === sampleServer.traceId;
  const parented = child.parentSpanId === sampleServer.spanId;
  const ok = sameTrace && parented && badAttrs.length === 0;
  const problems = [
    sameTrace ? '' : `trace ${child.traceId} differs from the server span's ${sampleServer.traceId}`,
    parented ? '' : `parent is ${child.parentSpanId || 'empty'}, not the server span ${sampleServer.spanId}`,
    ...badAttrs.map(([k, v]) => `${k}=${JSON.stringify(child.attributes[k] ?? null)} (expected ${JSON.stringify(v)})`),
  ].filter(Boolean);
  return check(
    'child span',
    ok,
    ok
      ? `INTERNAL "${child.name}" in the same trace, parent = server span ${sampleServer.spanId}`
      : problems.join('; '),
    sameTrace && parented
      ? 'the manual span lacks the attributes the handler sets'
      : 'async context was lost: the child was started outside the request context (e.g. in a thread or task without the context carried over, or under the opentelemetry-instrument wrapper instead of instrument_app)',
  );
};

// 4. Exactly the spans the guide predicts.
const spansPerRequestCheck: NamedCheck = ({ expectation: e, spans, sampleServer }) => {
  if (!sampleServer) return undefined;
  const inTrace = spans.filter((s) => s.traceId === sampleServer.traceId);
  const atLeast = e.spansPerRequestMode === 'atLeast';
  return check(
    'spans per request',
    atLeast ? inTrace.length >= e.spansPerRequest : inTrace.length === e.spansPerRequest,
    `${inTrace.length} span(s) in the sample trace (expected ${atLeast ? 'at least ' : ''}${e.spansPerRequest}): ${describeSpans(inTrace)}`,
    inTrace.length > e.spansPerRequest
      ? 'extra spans per request: the instrumentation emits more than the server span and its child (for ASGI apps, internal send/receive spans: pass exclude_spans=["receive", "send"] to instrument_app)'
      : 'fewer spans than expected in the request trace: the child was exported in another trace (context lost)',
  );
};

// 5. Inbound traceparent continued.
const inboundCheck: NamedCheck = ({ continued, servers }) => {
  if (!continued?.inbound) return undefined;
  const { traceId, spanId } = continued.inbound;
  const server = servers.find((s) => s.traceId === traceId);
  const ok = server !== undefined && server.parentSpanId === spanId;
  return check(
    'inbound traceparent continued',
    ok,
    ok
      ? `server span joined trace ${traceId} with parent ${spanId}`
      : server
        ? `server span in trace ${traceId} has parent ${server.parentSpanId || 'empty'}, expected ${spanId}`
        : `no server span in the inbound trace ${traceId}`,
    'the middleware did not extract traceparent: the W3C propagator is not installed or the app is wrapped in a way that bypasses the instrumentation middleware',
  );
};

// 6. Excluded URLs produce nothing.
const excludedCheck: NamedCheck = ({ expectation: e, spans }) => {
  const excludedHits = spans.filter((s) =>
    e.excludedPaths.some((p) => {
      const target = attr(s, ...HTTP_PATH_KEYS);
      return (
        (typeof target === 'string' && target.includes(p)) ||
        s.name.endsWith(` ${p}`) ||
        attr(s, ...HTTP_ROUTE_KEYS) === p
      );
    }),
  );
  return check(
    'excluded URLs produce no span',
    excludedHits.length === 0,
    excludedHits.length === 0
      ? `${e.excludedPaths.length} excluded path(s) requested, no span`
      : `spans for excluded paths: ${describeSpans(excludedHits)}`,
    'excluded_urls is not applied: pass it to instrument_app so health checks and scrapes never create spans',
  );
};

// 7. Delivery: every expected span was exported by the time the process exited.
const spanDeliveryCheck: NamedCheck = ({ expectation: e, spans, requests, shutdown, spansReadAfterExit }) => {
  const expected =
    requests.filter((r) => r.purpose === 'sample' || r.purpose === 'traceparent').length * e.spansPerRequest;
  // Every span counts, whatever trace it landed in: a child that lost its context was still delivered.
  const early = spansReadAfterExit ? [] : spans.filter((s) => s.receivedAtMs < shutdown.sigtermAtMs);
  return check(
    'all spans delivered by shutdown',
    spans.length >= expected && !shutdown.killed,
    shutdown.killed
      ? 'the service had to be killed, so nothing after SIGTERM is trustworthy'
      : `${spans.length}/${expected} spans received by exit` +
          (spansReadAfterExit
            ? ''
            : `, ${spans.length - early.length} of them after SIGTERM (batch delay ${e.scheduleDelayMillis}ms not reached)`),
    'spans were lost at shutdown: the provider must be force-flushed and shut down when the server stops (the lifespan for ASGI apps, worker_exit under gunicorn); SIGKILL skips it entirely',
  );
};

// 8. Graceful stop. uvicorn re-raises the SIGTERM it handled once shutdown is complete, so dying
// by SIGTERM (or 128+15 from a shell) after a clean lifespan shutdown is a graceful stop too.
const gracefulCheck: NamedCheck = ({ shutdown }) =>
  check(
    'graceful stop',
    !shutdown.killed && (shutdown.exitCode === 0 || shutdown.exitCode === 143 || shutdown.signal === 'SIGTERM'),
    shutdown.killed
      ? 'did not exit after SIGTERM and was killed'
      : `exited ${shutdown.exitCode === null ? `on ${shutdown.signal}` : `with code ${shutdown.exitCode}`} ${shutdown.exitAfterMs ?? '?'}ms after SIGTERM`,
    shutdown.killed
      ? 'the server did not stop on SIGTERM: the shutdown flush may be hanging (bound force_flush with a timeout) or the process ignores SIGTERM'
      : 'the server crashed while shutting down; see its output',
  );

/** The checks on spans, in report order; each returns undefined when it does not apply. */
export const SPAN_CHECKS: readonly NamedCheck[] = [
  serverSpanCheck,
  resourceCheck,
  childCheck,
  spansPerRequestCheck,
  inboundCheck,
  excludedCheck,
  spanDeliveryCheck,
];

const run = (checks: readonly NamedCheck[], ctx: CheckContext): SmokeCheck[] =>
  checks.map((c) => c(ctx)).filter((c): c is SmokeCheck => c !== undefined);

export function runChecks(input: SmokeInput): SmokeCheck[] {
  const ctx = contextOf(input);
  const checks = run([answeredCheck, notBlockedCheck], ctx);
  const non2xx = non2xxCheck(ctx);
  if (non2xx) return [...checks, non2xx];
  if (input.spans.length === 0) return [...checks, NO_SPANS, ...run(SIGNAL_CHECKS, ctx)];
  return [...checks, ...run(SPAN_CHECKS, ctx), ...run(SIGNAL_CHECKS, ctx), ...run([gracefulCheck], ctx)];
}

export interface MultiWorkerInput {
  expectation: SmokeExpectation;
  workers: number;
  spans: ReceivedSpan[];
  /** Metric points of the run, when metrics are expected. */
  metrics?: ReceivedMetricPoint[];
  requests: SentRequest[];
  shutdown: ShutdownOutcome;
}

/**
 * A run with several worker processes: each worker must build its own provider after the fork (an
 * export thread started in the master does not survive into the workers), and each must flush when
 * the server stops it.
 */
export function runMultiWorkerChecks(input: MultiWorkerInput): SmokeCheck[] {
  const { expectation: e, workers, spans, requests, shutdown } = input;
  const answered = requests.filter((r) => r.status > 0 && r.status < 500).length;
  const expected = answered * e.spansPerRequest;
  const providers = new Set(spans.map((s) => String(s.resource['service.instance.id'] ?? '')).filter(Boolean));
  const pids = new Set(spans.map((s) => String(s.resource['process.pid'] ?? '')).filter(Boolean));
  const exporters = Math.max(providers.size, pids.size);
  const metricChecks =
    input.metrics !== undefined && (e.signals ?? []).includes('metrics')
      ? [workerMetricsCheck(workers, input.metrics)]
      : [];
  return [
    check(
      `every worker exports (${workers} workers)`,
      exporters >= workers,
      `spans from ${exporters} distinct provider(s) across ${answered} answered requests`,
      exporters === 0
        ? 'no worker exported anything: a provider created in the master before the fork has no export thread in the workers; build it in each worker (no preload, or in a post_fork hook)'
        : 'fewer workers exported than were started: a provider created before the fork is shared by copy, or requests reached only one worker',
    ),
    check(
      `nothing lost on SIGTERM (${workers} workers)`,
      spans.length === expected && !shutdown.killed,
      shutdown.killed ? 'the server had to be killed' : `${spans.length}/${expected} spans received`,
      spans.length < expected
        ? 'spans were lost when the workers stopped: flush in each worker on exit (e.g. a gunicorn worker_exit hook calling shutdown_telemetry)'
        : 'more spans than requests explain: stray spans (internal send/receive or duplicate instrumentation)',
    ),
    ...metricChecks,
  ];
}
