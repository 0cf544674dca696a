import { describe, expect, it } from 'vitest';
import type { ReceivedLog, ReceivedMetricPoint, ReceivedSpan } from '../../src/receiver/model.js';
import { runChecks, runMultiWorkerChecks } from '../../src/smoke/checks.js';
import type { SentRequest, ShutdownOutcome, SmokeExpectation } from '../../src/smoke/types.js';

const TRACE = '1'.repeat(32);
const SERVER = '3'.repeat(16);
const CHILD = '4'.repeat(16);
const SIGTERM_AT = 1_000_000;
const route = '/process/{item_id}';

const expectation: SmokeExpectation = {
  serviceName: 'svc',
  environment: 'production',
  serverSpanName: `GET ${route}`,
  route,
  childSpanName: 'process_item_logic',
  childAttributes: {},
  spansPerRequest: 2,
  excludedPaths: [],
  scheduleDelayMillis: 5000,
  signals: ['traces', 'metrics', 'logs'],
  logBody: 'processed item',
};

const scope = { name: 's', version: '', attributes: {}, droppedAttributesCount: 0 };
const resource = { 'service.name': 'svc', 'deployment.environment.name': 'production', 'service.instance.id': 'w1' };

function span(o: Partial<ReceivedSpan>): ReceivedSpan {
  return {
    traceId: TRACE,
    spanId: SERVER,
    parentSpanId: '',
    traceState: '',
    name: 'x',
    kind: 'INTERNAL',
    startTimeUnixNano: 0n,
    endTimeUnixNano: 1n,
    attributes: {},
    status: { code: 'UNSET', message: '' },
    events: [],
    links: [],
    resource,
    scope,
    transport: 'otlp-grpc',
    receivedAtMs: SIGTERM_AT + 5,
    ...o,
  };
}
const spans = [
  span({
    kind: 'SERVER',
    name: `GET ${route}`,
    attributes: { 'http.request.method': 'GET', 'http.route': route, 'http.response.status_code': 200n },
  }),
  span({ spanId: CHILD, parentSpanId: SERVER, name: 'process_item_logic' }),
];

function log(o: Partial<ReceivedLog> = {}): ReceivedLog {
  return {
    timeUnixNano: 1n,
    observedTimeUnixNano: 1n,
    severityNumber: 9,
    severityText: 'INFO',
    body: 'processed item 12345',
    attributes: {},
    droppedAttributesCount: 0,
    flags: 1,
    traceId: TRACE,
    spanId: CHILD,
    eventName: '',
    resource,
    scope,
    transport: 'otlp-grpc',
    receivedAtMs: SIGTERM_AT + 5,
    ...o,
  };
}

function duration(count: bigint, o: Partial<ReceivedMetricPoint> = {}): ReceivedMetricPoint {
  return {
    name: 'http.server.request.duration',
    description: '',
    unit: 's',
    type: 'histogram',
    temporality: 'CUMULATIVE',
    isMonotonic: false,
    attributes: { 'http.route': route, 'http.request.method': 'GET' },
    startTimeUnixNano: 0n,
    timeUnixNano: 10n,
    count,
    flags: 0,
    resource,
    scope,
    transport: 'otlp-grpc',
    receivedAtMs: SIGTERM_AT + 5,
    ...o,
  };
}

const requests: SentRequest[] = [{ purpose: 'sample', path: '/process/12345', status: 200, durationMs: 50 }];
const stop: ShutdownOutcome = { exitCode: 0, signal: null, killed: false, sigtermAtMs: SIGTERM_AT, exitAfterMs: 100 };

const run = (logs: ReceivedLog[], metrics: ReceivedMetricPoint[]) =>
  runChecks({ expectation, spans, logs, metrics, requests, shutdown: stop, spansReadAfterExit: false });
const byName = (checks: ReturnType<typeof run>) => Object.fromEntries(checks.map((c) => [c.name, c]));

describe('log and metric checks', () => {
  it('pass when the log carries the child span and the duration counts each request', () => {
    const checks = byName(run([log()], [duration(1n)]));
    expect(checks['log record carries the request trace']).toMatchObject({ ok: true });
    expect(checks['http.server.request.duration per request']).toMatchObject({ ok: true });
    expect(checks['every signal delivered by shutdown']).toMatchObject({ ok: true });
  });

  it('no log at all: the logging handler is named, and the delivery check fails too', () => {
    const checks = byName(run([], [duration(1n)]));
    expect(checks['log record carries the request trace']).toMatchObject({
      ok: false,
      detail: 'no log record arrived',
    });
    expect(checks['log record carries the request trace']!.diagnosis).toMatch(/logging handler is not installed/);
    expect(checks['every signal delivered by shutdown']!.diagnosis).toMatch(/flush the logger provider/);
  });

  it('a log outside the span context', () => {
    const check = byName(run([log({ traceId: '', spanId: '' })], [duration(1n)]))[
      'log record carries the request trace'
    ]!;
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/trace_id=none/);
  });

  it('no metrics: the final collection on shutdown is named', () => {
    const check = byName(run([log()], []))['http.server.request.duration per request']!;
    expect(check.ok).toBe(false);
    expect(check.diagnosis).toMatch(/meter provider must be shut down/);
  });

  it('counts the latest cumulative point per series, not every export of it', () => {
    const checks = byName(run([log()], [duration(1n, { timeUnixNano: 5n }), duration(1n, { timeUnixNano: 10n })]));
    expect(checks['http.server.request.duration per request']).toMatchObject({ ok: true });
    const two = byName(run([log()], [duration(2n)]))['http.server.request.duration per request']!;
    expect(two.ok).toBe(false);
    expect(two.diagnosis).toMatch(/more measurements than requests/);
  });

  it('a duration without the templated route fails', () => {
    const check = byName(run([log()], [duration(1n, { attributes: { 'http.request.method': 'GET' } })]))[
      'http.server.request.duration per request'
    ]!;
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/no point with http.route/);
  });

  it('every worker must export its own metric series', () => {
    const multi = (metrics: ReceivedMetricPoint[]) =>
      runMultiWorkerChecks({ expectation, workers: 2, spans, metrics, requests, shutdown: stop }).find((c) =>
        c.name.startsWith('every worker exports metrics'),
      )!;
    const w2 = { ...resource, 'service.instance.id': 'w2' };
    expect(multi([duration(1n), duration(1n, { resource: w2 })]).ok).toBe(true);
    expect(multi([duration(1n), duration(1n)]).ok).toBe(false); // one provider copied into both workers
  });

  it('are skipped when the signals are not expected', () => {
    const checks = runChecks({
      expectation: { ...expectation, signals: ['traces'] },
      spans,
      logs: [],
      metrics: [],
      requests,
      shutdown: stop,
      spansReadAfterExit: false,
    });
    expect(checks.map((c) => c.name)).not.toContain('log record carries the request trace');
    expect(checks.map((c) => c.name)).not.toContain('every signal delivered by shutdown');
  });
});

describe('a server span named otherwise than expected', () => {
  const INBOUND = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) };
  // A route inside an app mounted at /api/v1: the instrumentation names the span after the mount.
  const mounted = (traceId: string, spanId: string, parent = '') => [
    span({
      traceId,
      spanId,
      parentSpanId: parent,
      kind: 'SERVER',
      name: 'GET /api/v1',
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/api/v1',
        'url.path': '/api/v1/info',
        'http.response.status_code': 200n,
      },
    }),
    span({ traceId, spanId: `${spanId.slice(0, 15)}9`, parentSpanId: spanId, name: 'process_item_logic' }),
  ];
  const both: SentRequest[] = [
    { purpose: 'sample', path: '/api/v1/info', status: 200, durationMs: 50 },
    { purpose: 'traceparent', path: '/api/v1/info', status: 200, durationMs: 50, inbound: INBOUND },
  ];
  const expectInfo: SmokeExpectation = {
    ...expectation,
    serverSpanName: 'GET /api/v1/info',
    route: '/api/v1/info',
    signals: ['traces', 'metrics'],
  };

  it('is reported once: the traceparent and duration checks judge the span that was emitted', () => {
    const checks = runChecks({
      expectation: expectInfo,
      spans: [...mounted(TRACE, SERVER), ...mounted(INBOUND.traceId, '7'.repeat(16), INBOUND.spanId)],
      metrics: [duration(2n, { attributes: { 'http.route': '/api/v1', 'http.request.method': 'GET' } })],
      requests: both,
      shutdown: stop,
      spansReadAfterExit: false,
    });
    expect(checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['server span']);
    const server = checks.find((c) => c.name === 'server span')!;
    expect(server.detail).toBe('SERVER "GET /api/v1" for GET /api/v1/info, expected "GET /api/v1/info"');
    expect(checks.find((c) => c.name === 'inbound traceparent continued')!.ok).toBe(true);
  });

  it('a route the instrumentation records no http.route for (route null) passes without one', () => {
    const named = span({
      kind: 'SERVER',
      name: 'GET index',
      attributes: { 'http.request.method': 'GET', 'url.path': '/', 'http.response.status_code': 200n },
    });
    const checks = runChecks({
      expectation: { ...expectation, serverSpanName: 'GET index', route: null, signals: ['traces', 'metrics'] },
      spans: [named, spans[1]!],
      metrics: [
        duration(1n, { attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200n } }),
        // The readiness probes' 404s carry no http.route either: they are not the sample's measurements.
        duration(3n, { attributes: { 'http.request.method': 'GET', 'http.response.status_code': 404n } }),
      ],
      requests: [{ purpose: 'sample', path: '/', status: 200, durationMs: 50 }],
      shutdown: stop,
      spansReadAfterExit: false,
    });
    expect(checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([]);
    expect(checks.find((c) => c.name === 'server span')!.detail).toMatch(/route none/);
  });
});
