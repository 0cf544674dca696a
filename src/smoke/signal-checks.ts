/**
 * The smoke test's verdicts on logs and metrics: a log record written in the sample request carries
 * that request's trace and span ids; http.server.request.duration arrives with the templated route and
 * one count per request; every wired signal arrived by exit.
 */
import type { AttrValue, ReceivedMetricPoint } from '../receiver/model.js';
import { type CheckContext, check, HTTP_STATUS_KEYS, type NamedCheck } from './check.js';
import type { SentRequest, SmokeCheck } from './types.js';

export const REQUEST_DURATION = 'http.server.request.duration';

const expects = (ctx: CheckContext, signal: 'logs' | 'metrics'): boolean =>
  (ctx.expectation.signals ?? []).includes(signal) && (signal === 'logs' ? ctx.logs : ctx.metrics) !== undefined;

/** Requests to the sample route that the service answered (each one log record, one duration count). */
export function sampleRequests(requests: SentRequest[]): SentRequest[] {
  return requests.filter(
    (r) => (r.purpose === 'sample' || r.purpose === 'traceparent') && r.status > 0 && r.status < 500,
  );
}

const bodyText = (v: AttrValue): string =>
  typeof v === 'string' ? v : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x));

const logCorrelationCheck: NamedCheck = (ctx) => {
  const { expectation: e, sampleServer, sampleChild } = ctx;
  if (!expects(ctx, 'logs') || !e.logBody) return undefined;
  const logs = ctx.logs ?? [];
  const name = 'log record carries the request trace';
  const written = logs.filter((l) => bodyText(l.body).includes(e.logBody!));
  if (written.length === 0) {
    return check(
      name,
      false,
      logs.length === 0 ? 'no log record arrived' : `no record with "${e.logBody}" among ${logs.length} log record(s)`,
      'Python logging records do not reach the OTLP log pipeline: the logging handler is not installed, or a logging reconfiguration after start-up (basicConfig(force=True), dictConfig) removed it; the telemetry module hooks it where reconfiguration cannot remove it',
    );
  }
  const span = sampleChild ?? sampleServer;
  if (!span)
    return check(
      name,
      false,
      `${written.length} record(s) arrived, but the sample request has no span to match`,
      'see the span checks above',
    );
  const match = written.find((l) => l.traceId === span.traceId && l.spanId === span.spanId);
  const got = written[0]!;
  return check(
    name,
    match !== undefined,
    match
      ? `"${bodyText(match.body)}" with trace_id=${match.traceId} span_id=${match.spanId} (the ${span.kind} span "${span.name}")`
      : `"${bodyText(got.body)}" has trace_id=${got.traceId || 'none'} span_id=${got.spanId || 'none'}, expected ${span.traceId} / ${span.spanId}`,
    'the log record was exported without the context of the span it was written in: the OpenTelemetry logging handler must run on the thread that logs (not behind a QueueHandler), with the request span current',
  );
};

/** The latest cumulative point of each series (resource + attributes); a delta series is summed. */
function requestCount(points: ReceivedMetricPoint[]): bigint {
  const latest = new Map<string, ReceivedMetricPoint>();
  let deltas = 0n;
  for (const p of points) {
    if (p.temporality === 'DELTA') {
      deltas += p.count ?? 0n;
      continue;
    }
    const key = serialize([p.resource, p.attributes, p.scope.name]);
    const seen = latest.get(key);
    if (!seen || p.timeUnixNano >= seen.timeUnixNano) latest.set(key, p);
  }
  return [...latest.values()].reduce((sum, p) => sum + (p.count ?? 0n), deltas);
}

function serialize(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x,
  );
}

const durationCheck: NamedCheck = (ctx) => {
  if (!expects(ctx, 'metrics')) return undefined;
  const { expectation: e, requests } = ctx;
  const metrics = ctx.metrics ?? [];
  const name = `${REQUEST_DURATION} per request`;
  const points = metrics.filter((m) => m.name === REQUEST_DURATION && m.type === 'histogram');
  const expected = BigInt(sampleRequests(requests).length);
  if (points.length === 0) {
    const names = [...new Set(metrics.map((m) => m.name))];
    return check(
      name,
      false,
      metrics.length === 0
        ? 'no metrics arrived'
        : `no ${REQUEST_DURATION} histogram (received: ${names.slice(0, 6).join(', ')})`,
      metrics.length === 0
        ? 'no metric reached the receiver by exit: the meter provider must be shut down when the server stops (its reader makes a last collection then), and built in each worker after a fork'
        : names.includes('http.server.duration')
          ? 'the old HTTP semantic conventions are in use: set OTEL_SEMCONV_STABILITY_OPT_IN=http before the instrumentation is imported'
          : 'the instrumentation records no HTTP server metrics: pass meter_provider= to it',
    );
  }
  // A misnamed server span was reported once: the measurements are judged against the route it carries.
  const route = ctx.misnamed ? (ctx.sampleServer?.attributes['http.route'] ?? null) : e.route;
  // Without a route, other route-less requests (the readiness probes' 404s) are told apart by their status.
  const answered = (p: ReceivedMetricPoint) =>
    route !== null || HTTP_STATUS_KEYS.every((k) => p.attributes[k] === undefined || Number(p.attributes[k]) < 400);
  const routed = points.filter((p) => (p.attributes['http.route'] ?? null) === route && answered(p));
  const count = requestCount(routed);
  const routes = [...new Set(points.map((p) => String(p.attributes['http.route'] ?? 'none')))];
  return check(
    name,
    count === expected,
    routed.length === 0
      ? `no point with http.route=${JSON.stringify(route)} (routes: ${routes.join(', ')})`
      : `count ${count} with http.route=${JSON.stringify(route)} for ${expected} request(s)`,
    routed.length === 0
      ? 'the duration is recorded without the templated route: the instrumentation must see the route template (instrument the app itself, not a wrapper around it)'
      : count > expected
        ? 'more measurements than requests: two instrumentations (or two meter providers) record the same requests'
        : 'fewer measurements than requests: the last collection was not exported on shutdown, or a worker lost its meter provider',
  );
};

const deliveryCheck: NamedCheck = (ctx) => {
  const parts: string[] = [];
  const missing: string[] = [];
  const sigterm = ctx.shutdown.sigtermAtMs;
  const afterSigterm = (items: { receivedAtMs: number }[]) => items.filter((x) => x.receivedAtMs >= sigterm).length;
  if (expects(ctx, 'logs')) {
    const wanted = ctx.expectation.logBody ? sampleRequests(ctx.requests).length : 1;
    const got = (ctx.logs ?? []).filter(
      (l) => !ctx.expectation.logBody || bodyText(l.body).includes(ctx.expectation.logBody),
    );
    parts.push(`logs ${got.length}/${wanted} (${afterSigterm(got)} after SIGTERM)`);
    if (got.length < wanted) missing.push('log records');
  }
  if (expects(ctx, 'metrics')) {
    const got = ctx.metrics ?? [];
    parts.push(`metrics ${got.length} point(s) (${afterSigterm(got)} after SIGTERM)`);
    if (got.length === 0) missing.push('metrics');
  }
  if (parts.length === 0) return undefined;
  return check(
    'every signal delivered by shutdown',
    missing.length === 0 && !ctx.shutdown.killed,
    ctx.shutdown.killed ? 'the service had to be killed' : parts.join(', '),
    `${missing.join(' and ') || 'data'} lost at shutdown: shutdown_telemetry() must flush the logger provider and shut the meter provider down (its last collection) when the server stops, not only the tracer provider`,
  );
};

/** Checks on logs and metrics, in report order; each returns undefined when its signal is not expected. */
export const SIGNAL_CHECKS: readonly NamedCheck[] = [logCorrelationCheck, durationCheck, deliveryCheck];

/** Multi-worker runs: each worker's meter provider must export its own series. */
export function workerMetricsCheck(workers: number, metrics: ReceivedMetricPoint[]): SmokeCheck {
  const ids = new Set(
    metrics
      .filter((m) => m.name === REQUEST_DURATION)
      .map((m) => `${String(m.resource['service.instance.id'] ?? '')}/${String(m.resource['process.pid'] ?? '')}`),
  );
  return check(
    `every worker exports metrics (${workers} workers)`,
    ids.size >= workers,
    `${REQUEST_DURATION} from ${ids.size} distinct worker(s)`,
    ids.size === 0
      ? 'no worker exported metrics: a meter provider built in the master before the fork, or never shut down in the workers (worker_exit)'
      : 'fewer workers exported metrics than were started: the meter provider was built before the fork and is shared by copy (its series are indistinguishable), or requests reached only one worker',
  );
}
