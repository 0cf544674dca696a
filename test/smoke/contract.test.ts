import { describe, expect, it } from 'vitest';
import type { ReceivedLog, ReceivedMetricPoint, ReceivedSpan } from '../../src/receiver/model.js';
import { compareContract, idInName, shapeOf, type TelemetryContract } from '../../src/smoke/contract.js';

const TRACE = 'a'.repeat(32);

function span(name: string, kind: ReceivedSpan['kind'], attributes: string[], ids: [string, string]): ReceivedSpan {
  return {
    traceId: TRACE,
    spanId: ids[0],
    parentSpanId: ids[1],
    traceState: '',
    name,
    kind,
    startTimeUnixNano: 1n,
    endTimeUnixNano: 2n,
    attributes: Object.fromEntries(attributes.map((k) => [k, 'v'])),
    status: { code: 'UNSET', message: '' },
    events: [],
    links: [],
    resource: { 'service.name': 'svc', 'telemetry.sdk.name': 'opentelemetry' },
    scope: { name: 't', version: '' },
    transport: 'otlp-grpc',
    receivedAtMs: 0,
  };
}

function run(server: string, child: string, serverKeys = ['http.route', 'http.request.method']): TelemetryContract {
  const route = { method: 'GET', path: '/items/42', status: 200 };
  const request = { purpose: 'traceparent' as const, path: '/items/42', status: 200, durationMs: 1 };
  const metric = { name: 'http.server.request.duration', unit: 's', attributes: { 'http.route': '/items/{id}' } };
  const log = { traceId: TRACE, spanId: 'c'.repeat(16), body: 'processed' };
  return shapeOf({
    traced: [{ route, request, traceId: TRACE }],
    spans: [
      span(server, 'SERVER', serverKeys, ['s'.repeat(16), 'r'.repeat(16)]),
      span(child, 'INTERNAL', ['item.id'], ['c'.repeat(16), 's'.repeat(16)]),
      span(child, 'INTERNAL', ['item.status'], ['d'.repeat(16), 's'.repeat(16)]),
    ],
    metrics: [metric as unknown as ReceivedMetricPoint],
    logs: [log as unknown as ReceivedLog],
  });
}

const failures = (recorded: TelemetryContract, now: TelemetryContract) =>
  compareContract(recorded, now)
    .filter((c) => !c.ok)
    .map((c) => `${c.name}: ${c.detail}`);

describe('the telemetry contract', () => {
  const recorded = run('GET /items/{id}', 'load_item');

  it('records per route the server span, its children (merged by name) and keys only', () => {
    expect(recorded.routes).toEqual([
      {
        method: 'GET',
        path: '/items/42',
        status: 200,
        server: { name: 'GET /items/{id}', kind: 'SERVER', attributes: ['http.request.method', 'http.route'] },
        children: [{ name: 'load_item', kind: 'INTERNAL', attributes: ['item.id', 'item.status'] }],
      },
    ]);
    expect(recorded.resource).toEqual(['service.name', 'telemetry.sdk.name']);
    expect(recorded.metrics).toEqual([{ name: 'http.server.request.duration', unit: 's', attributes: ['http.route'] }]);
    expect(recorded.logs).toEqual({ traceContext: true });
  });

  it('passes the same shape, and only mentions what is new', () => {
    expect(failures(recorded, run('GET /items/{id}', 'load_item'))).toEqual([]);
    const more = compareContract(
      recorded,
      run('GET /items/{id}', 'load_item', ['http.route', 'http.request.method', 'url.path']),
    );
    expect(more[0]).toMatchObject({ ok: true, detail: expect.stringContaining('new attribute url.path') });
  });

  it('names a renamed child span, a lost attribute key and an id in the server span name', () => {
    expect(failures(recorded, run('GET /items/{id}', 'fetch_item'))).toEqual([
      'contract: GET /items/42: child span renamed "load_item" (INTERNAL) → "fetch_item" (INTERNAL)',
    ]);
    expect(failures(recorded, run('GET /items/{id}', 'load_item', ['http.request.method']))).toEqual([
      'contract: GET /items/42: server span lost attribute http.route',
    ]);
    expect(failures(recorded, run('GET /items/42', 'load_item'))).toEqual([
      'contract: GET /items/42: server span renamed "GET /items/{id}" → "GET /items/42"; span name "GET /items/42" holds an id (42): one name per request (high cardinality)',
    ]);
  });

  it('names a metric that is gone and a route not recorded yet', () => {
    const withRoute = { ...recorded, routes: [...recorded.routes, { method: 'POST', path: '/orders', status: 201 }] };
    const now = { ...run('GET /items/{id}', 'load_item'), metrics: [] };
    expect(failures(withRoute, now)).toEqual([
      'contract: POST /orders: not recorded yet: run smoke --update to record its shape',
      'contract: metrics: http.server.request.duration (s) is gone',
    ]);
  });

  it('sees ids in span names: numbers, UUIDs, long hex; not words or templates', () => {
    expect(idInName('GET /users/42/orders')).toBe('42');
    expect(idInName('GET /o/123e4567-e89b-12d3-a456-426614174000')).toBe('123e4567-e89b-12d3-a456-426614174000');
    expect(idInName('GET /blob/9f86d081884c7d659a2feaa0c55ad015')).toBe('9f86d081884c7d659a2feaa0c55ad015');
    expect(idInName('GET /users/{id}')).toBeUndefined();
    expect(idInName('GET /api/v2/users/:id')).toBeUndefined();
    expect(idInName('process_item_logic')).toBeUndefined();
  });
});
