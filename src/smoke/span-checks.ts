/**
 * The smoke test's verdicts on spans: the sample request's server span and its child, the resource, the
 * spans per request, the inbound trace continued, excluded URLs untraced, every span delivered by exit.
 */
import type { AttrValue, ReceivedSpan } from '../receiver/model.js';
import {
  check,
  HTTP_METHOD_KEYS,
  HTTP_PATH_KEYS,
  HTTP_ROUTE_KEYS,
  HTTP_STATUS_KEYS,
  type NamedCheck,
} from './check.js';

const attr = (span: ReceivedSpan, ...keys: string[]): AttrValue | undefined => {
  for (const key of keys) if (span.attributes[key] !== undefined) return span.attributes[key];
  return undefined;
};

function describeSpans(spans: ReceivedSpan[]): string {
  if (spans.length === 0) return 'none';
  return (
    spans
      .slice(0, 6)
      .map((s) => `${s.kind} "${s.name}"`)
      .join(', ') + (spans.length > 6 ? `, … (${spans.length} in all)` : '')
  );
}

// Nothing at all: the exporter, the processor or the flush is wrong before any span-level check matters.
export const NO_SPANS = check(
  'spans received',
  false,
  'no spans arrived',
  'the provider was never flushed, or the exporter points somewhere else: the app must export through the provider it registers, and force_flush()/shutdown() must run on shutdown (the lifespan for ASGI apps, worker_exit under gunicorn); also check that the service reads OTEL_EXPORTER_OTLP_ENDPOINT',
);

// 1. The sample request's server span.
const serverSpanCheck: NamedCheck = ({ expectation: e, spans, sample, sampleServer, misnamed }) => {
  const anyServer = spans.filter((s) => s.kind === 'SERVER');
  if (!sampleServer || misnamed) {
    const concrete = sample ? anyServer.find((s) => s.name.includes(sample.path)) : undefined;
    return check(
      'server span',
      false,
      sampleServer && sample
        ? `SERVER "${sampleServer.name}" for GET ${sample.path}, expected "${e.serverSpanName}"`
        : `no SERVER span named "${e.serverSpanName}" (received: ${describeSpans(spans)})`,
      concrete
        ? 'the server span is named by the concrete path, not the templated route: span names must stay low-cardinality'
        : anyServer.length === 0
          ? 'no SERVER span at all: the app is not instrumented (instrument_app was not called on this app, or it was bound to a provider that does not export)'
          : sampleServer
            ? "the instrumentation names this request's span otherwise than expected; the other checks judged the span it emitted"
            : 'the server span has an unexpected name',
    );
  }
  const method = attr(sampleServer, ...HTTP_METHOD_KEYS);
  const route = attr(sampleServer, ...HTTP_ROUTE_KEYS);
  const status = attr(sampleServer, ...HTTP_STATUS_KEYS);
  const missing = [
    method === undefined ? 'method' : '',
    (route ?? null) !== e.route ? `route (got ${route === undefined ? 'none' : JSON.stringify(route)})` : '',
    status === undefined ? 'status code' : '',
  ].filter(Boolean);
  return check(
    'server span',
    missing.length === 0,
    missing.length === 0
      ? `SERVER "${sampleServer.name}" with method ${String(method)}, route ${route === undefined ? 'none' : String(route)}, status ${String(status)}`
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
const inboundCheck: NamedCheck = ({ continued, spans }) => {
  if (!continued?.inbound) return undefined;
  const { traceId, spanId } = continued.inbound;
  // Any server span: its name is the server span check's business, reported there once.
  const server = spans.find((s) => s.kind === 'SERVER' && s.traceId === traceId);
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
