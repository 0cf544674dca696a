import { describe, expect, it } from 'vitest';
import type { ReceivedSpan } from '../../src/receiver/model.js';
import { runChecks, runMultiWorkerChecks } from '../../src/smoke/checks.js';
import type { SentRequest, ShutdownOutcome, SmokeExpectation } from '../../src/smoke/types.js';
import { renderTraceTree } from '../../src/smoke/tree.js';

const expectation: SmokeExpectation = {
  serviceName: 'svc',
  environment: 'production',
  serverSpanName: 'GET /process/{item_id}',
  route: '/process/{item_id}',
  childSpanName: 'process_item_logic',
  childAttributes: { 'item.id': '12345', 'processing.status': 'completed' },
  spansPerRequest: 2,
  excludedPaths: ['/healthz'],
  scheduleDelayMillis: 5000,
};

const inbound = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) };
const SIGTERM_AT = 1_000_000;

function span(overrides: Partial<ReceivedSpan>): ReceivedSpan {
  return {
    traceId: '1'.repeat(32),
    spanId: '2'.repeat(16),
    parentSpanId: '',
    traceState: '',
    name: 'x',
    kind: 'INTERNAL',
    startTimeUnixNano: 1_000_000_000n,
    endTimeUnixNano: 1_050_000_000n,
    attributes: {},
    status: { code: 'UNSET', message: '' },
    events: [],
    links: [],
    resource: { 'service.name': 'svc', 'deployment.environment': 'production' },
    scope: { name: 'test', version: '' },
    transport: 'otlp-grpc',
    receivedAtMs: SIGTERM_AT + 10,
    ...overrides,
  };
}

function requestSpans(traceId: string, serverId: string, childId: string, parent = ''): ReceivedSpan[] {
  return [
    span({
      traceId,
      spanId: serverId,
      parentSpanId: parent,
      name: 'GET /process/{item_id}',
      kind: 'SERVER',
      attributes: {
        'http.method': 'GET',
        'http.route': '/process/{item_id}',
        'http.status_code': 200,
        'http.target': '/process/12345',
      },
    }),
    span({
      traceId,
      spanId: childId,
      parentSpanId: serverId,
      name: 'process_item_logic',
      startTimeUnixNano: 1_001_000_000n,
      endTimeUnixNano: 1_049_000_000n,
      attributes: { 'item.id': '12345', 'processing.status': 'completed' },
    }),
  ];
}

const goodSpans = () => [
  ...requestSpans('1'.repeat(32), '3'.repeat(16), '4'.repeat(16)),
  ...requestSpans(inbound.traceId, '5'.repeat(16), '6'.repeat(16), inbound.spanId),
];

const requests: SentRequest[] = [
  { purpose: 'sample', path: '/process/12345', status: 200, durationMs: 60 },
  { purpose: 'traceparent', path: '/process/12345', status: 200, durationMs: 55, inbound },
  { purpose: 'excluded', path: '/healthz', status: 200, durationMs: 3 },
];
const cleanStop: ShutdownOutcome = {
  exitCode: 0,
  signal: null,
  killed: false,
  sigtermAtMs: SIGTERM_AT,
  exitAfterMs: 120,
};

const run = (spans: ReceivedSpan[], opts: { requests?: SentRequest[]; shutdown?: ShutdownOutcome } = {}) =>
  runChecks({
    expectation,
    spans,
    requests: opts.requests ?? requests,
    shutdown: opts.shutdown ?? cleanStop,
    spansReadAfterExit: false,
  });
const failed = (checks: ReturnType<typeof run>) => checks.filter((c) => !c.ok).map((c) => c.name);

describe('smoke checks', () => {
  it('pass on a correctly wired service', () => {
    const checks = run(goodSpans());
    expect(failed(checks)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual([
      'service answered every request',
      'no request blocked on export',
      'server span',
      'resource',
      'child span',
      'spans per request',
      'inbound traceparent continued',
      'excluded URLs produce no span',
      'all spans delivered by shutdown',
      'graceful stop',
    ]);
  });

  it('diagnose lost async context when the child has a foreign parent', () => {
    const spans = goodSpans();
    spans[1] = { ...spans[1]!, traceId: 'f'.repeat(32), parentSpanId: '' };
    const checks = run(spans);
    expect(failed(checks)).toContain('child span');
    expect(checks.find((c) => c.name === 'child span')!.diagnosis).toMatch(/async context was lost/);
    // The child was delivered, only in the wrong trace: the flush is not to blame.
    expect(failed(checks)).not.toContain('all spans delivered by shutdown');
  });

  it('diagnose missing instrumentation when no server span arrives', () => {
    const checks = run(goodSpans().filter((s) => s.kind !== 'SERVER'));
    expect(checks.find((c) => c.name === 'server span')!.diagnosis).toMatch(/not instrumented/);
  });

  it('flag a server span named by the concrete path', () => {
    const spans = goodSpans().map((s) => (s.kind === 'SERVER' ? { ...s, name: 'GET /process/12345' } : s));
    expect(run(spans).find((c) => c.name === 'server span')!.diagnosis).toMatch(/low-cardinality/);
  });

  it('flag stray ASGI send/receive spans', () => {
    const spans = goodSpans();
    spans.push(
      span({
        traceId: '1'.repeat(32),
        spanId: '7'.repeat(16),
        parentSpanId: '3'.repeat(16),
        name: 'GET /process/{item_id} http send',
      }),
    );
    const check = run(spans).find((c) => c.name === 'spans per request')!;
    expect(check.ok).toBe(false);
    expect(check.diagnosis).toMatch(/exclude_spans/);
  });

  it('flag spans for excluded URLs', () => {
    const spans = [
      ...goodSpans(),
      span({
        traceId: '9'.repeat(32),
        spanId: '8'.repeat(16),
        name: 'GET /healthz',
        kind: 'SERVER',
        attributes: { 'http.route': '/healthz', 'http.target': '/healthz' },
      }),
    ];
    expect(failed(run(spans))).toEqual(['excluded URLs produce no span']);
  });

  it('flag an inbound traceparent that was not continued', () => {
    const spans = goodSpans().map((s) =>
      s.traceId === inbound.traceId
        ? { ...s, traceId: 'c'.repeat(32), parentSpanId: s.kind === 'SERVER' ? '' : s.parentSpanId }
        : s,
    );
    expect(failed(run(spans))).toContain('inbound traceparent continued');
  });

  it('diagnose an unflushed provider when nothing arrives', () => {
    const checks = run([]);
    expect(failed(checks)).toEqual(['spans received']);
    expect(checks.at(-1)!.diagnosis).toMatch(/never flushed/);
  });

  it('flag spans lost at shutdown and a killed service', () => {
    expect(failed(run(goodSpans().slice(0, 3)))).toContain('all spans delivered by shutdown');
    const killed = run(goodSpans(), {
      shutdown: { exitCode: null, signal: 'SIGKILL', killed: true, sigtermAtMs: SIGTERM_AT },
    });
    expect(failed(killed)).toEqual(['all spans delivered by shutdown', 'graceful stop']);
    expect(failed(run(goodSpans(), { shutdown: { ...cleanStop, exitCode: null, signal: 'SIGTERM' } }))).toEqual([]);
    expect(failed(run(goodSpans(), { shutdown: { ...cleanStop, exitCode: 1 } }))).toEqual(['graceful stop']);
  });

  it('flag requests blocked on export (the SimpleSpanProcessor stall)', () => {
    // Every request that produces spans waits for its export; excluded ones produce none.
    const slow = requests.map((r) => (r.purpose !== 'excluded' ? { ...r, durationMs: 10_000 } : r));
    const check = run(goodSpans(), { requests: slow }).find((c) => c.name === 'no request blocked on export')!;
    expect(check.ok).toBe(false);
    expect(check.diagnosis).toMatch(/SimpleSpanProcessor/);
  });

  it('do not call one slow first request among fast ones blocked (a cold start on a loaded machine)', () => {
    const coldStart = requests.map((r) => (r.purpose === 'sample' ? { ...r, durationMs: 4_000 } : r));
    const check = run(goodSpans(), { requests: coldStart }).find((c) => c.name === 'no request blocked on export')!;
    expect(check.ok, check.detail).toBe(true);
    expect(check.detail).toMatch(/1 of 2 traced requests over 2000ms/);
  });

  it('flag the wrong resource', () => {
    const spans = goodSpans().map((s) => ({ ...s, resource: { 'service.name': 'unknown_service' } }));
    expect(run(spans).find((c) => c.name === 'resource')!.diagnosis).toMatch(/unknown_service/);
  });
});

describe('trace tree', () => {
  it('nests the child under its server span', () => {
    const text = renderTraceTree(goodSpans().slice(0, 2));
    const lines = text.split('\n');
    expect(lines[0]).toBe(`trace ${'1'.repeat(32)}`);
    expect(lines[1]).toMatch(/^ {2}GET \/process\/\{item_id\}\s+SERVER\s+50\.0ms\s+█+$/);
    expect(lines[2]).toMatch(/^ {2}└─ process_item_logic\s+INTERNAL\s+48\.0ms\s+█+$/);
  });
});

describe('multi-worker checks', () => {
  const worker = (id: string, n: number) =>
    Array.from({ length: n }, (_, i) =>
      requestSpans(id.repeat(32).slice(0, 32), `${i}`.padStart(16, '0'), `${i}`.padStart(16, '1')),
    )
      .flat()
      .map((s) => ({ ...s, resource: { ...s.resource, 'service.instance.id': `worker-${id}` } }));
  const sent = (n: number): SentRequest[] =>
    Array.from({ length: n }, () => ({
      purpose: 'sample' as const,
      path: '/process/12345',
      status: 200,
      durationMs: 50,
    }));
  const multi = (spans: ReceivedSpan[], n = 4) =>
    runMultiWorkerChecks({ expectation, workers: 2, spans, requests: sent(n), shutdown: cleanStop });

  it('pass when both workers export every span', () => {
    expect(multi([...worker('a', 2), ...worker('b', 2)]).every((c) => c.ok)).toBe(true);
  });

  it('fail when only one worker exported', () => {
    const checks = multi(worker('a', 4));
    expect(checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['every worker exports (2 workers)']);
  });

  it('fail when a worker lost spans at shutdown', () => {
    const checks = multi([...worker('a', 2), ...worker('b', 1)]);
    expect(checks.find((c) => !c.ok)?.diagnosis).toMatch(/worker_exit/);
  });
});

describe('trace tree of a continued trace', () => {
  it('names the remote parent of a root span', () => {
    const text = renderTraceTree(goodSpans().slice(2));
    expect(text.split('\n')[1]).toContain(`GET /process/{item_id} (remote parent ${inbound.spanId})`);
  });
});
