/**
 * The smoke test's verdicts: pure functions from what was sent and what was received to named pass/fail
 * lines, each failure explained in the guide's own terms. Requests and shutdown are judged here; spans in
 * ./span-checks.ts, logs and metrics in ./signal-checks.ts.
 */
import type { ReceivedMetricPoint, ReceivedSpan } from '../receiver/model.js';
import { type CheckContext, check, HTTP_PATH_KEYS, type NamedCheck, type SmokeInput } from './check.js';
import { secretsCheck } from './secret-checks.js';
import { SIGNAL_CHECKS, workerMetricsCheck } from './signal-checks.js';
import { NO_SPANS, SPAN_CHECKS } from './span-checks.js';
import type { SentRequest, ShutdownOutcome, SmokeCheck, SmokeExpectation } from './types.js';

/** A request that took longer than this is treated as blocked on export (the sample route itself takes ~50 ms; a loaded CI machine must not trip it). */
export const BLOCKED_REQUEST_MS = 2000;

function serverSpansNamed(spans: ReceivedSpan[], name: string): ReceivedSpan[] {
  return spans.filter((s) => s.kind === 'SERVER' && s.name === name);
}

/** The SERVER span, outside the inbound trace, whose URL path is `requestPath`. */
function serverSpanOfPath(spans: ReceivedSpan[], requestPath: string, inboundTrace?: string): ReceivedSpan | undefined {
  const wanted = requestPath.split('?')[0];
  return spans.find(
    (s) =>
      s.kind === 'SERVER' &&
      s.traceId !== inboundTrace &&
      HTTP_PATH_KEYS.some((k) => {
        const v = s.attributes[k];
        // url.path / http.target are paths; http.url / url.full are whole URLs.
        return typeof v === 'string' && v.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split('?')[0] === wanted;
      }),
  );
}

function contextOf(input: SmokeInput): CheckContext {
  const { expectation: e, spans, requests } = input;
  const continued = requests.find((r) => r.purpose === 'traceparent');
  const servers = serverSpansNamed(spans, e.serverSpanName);
  const named = servers.find((s) => !continued?.inbound || s.traceId !== continued.inbound.traceId);
  const sample = requests.find((r) => r.purpose === 'sample');
  // A span named otherwise is failed once, by the server span check; the others judge the span that was emitted.
  const byPath = named || !sample ? undefined : serverSpanOfPath(spans, sample.path, continued?.inbound?.traceId);
  const sampleServer = named ?? byPath;
  const children = spans.filter((s) => s.name === e.childSpanName && s.kind === 'INTERNAL');
  const sampleChild =
    sampleServer && e.expectChild !== false
      ? (children.find((s) => s.traceId === sampleServer.traceId) ?? children[0])
      : undefined;
  return {
    ...input,
    sample,
    continued,
    servers,
    sampleServer,
    sampleChild,
    ...(byPath ? { misnamed: true } : {}),
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

// Graceful stop, reported after the span and signal checks. uvicorn re-raises the SIGTERM it handled once
// shutdown is complete, so dying by SIGTERM (or 128+15 from a shell) after a clean lifespan shutdown is a
// graceful stop too.
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

const run = (checks: readonly NamedCheck[], ctx: CheckContext): SmokeCheck[] =>
  checks.map((c) => c(ctx)).filter((c): c is SmokeCheck => c !== undefined);

export function runChecks(input: SmokeInput): SmokeCheck[] {
  const ctx = contextOf(input);
  const checks = run([answeredCheck, notBlockedCheck], ctx);
  const non2xx = non2xxCheck(ctx);
  if (non2xx) return [...checks, non2xx];
  const signals = run([...SIGNAL_CHECKS, secretsCheck], ctx);
  if (input.spans.length === 0) return [...checks, NO_SPANS, ...signals];
  return [...checks, ...run(SPAN_CHECKS, ctx), ...signals, ...run([gracefulCheck], ctx)];
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
