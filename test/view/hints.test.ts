import { describe, expect, it } from 'vitest';
import { logHints, MAX_TRACE_HINTS, traceHints, untracedDuringRequests } from '../../src/view/hints.js';
import { hex, log, span } from './support.js';

const T = hex(1, 16);
const python = { 'service.name': 'shop', 'telemetry.sdk.language': 'python' };
const codes = (spans: Parameters<typeof traceHints>[0]) => traceHints(spans).map((h) => [h.code, h.spanId]);

describe('traceHints', () => {
  it('says nothing of a well-wired request', () => {
    const ok = span({ traceId: T, spanId: hex(1, 8), attributes: { 'http.route': '/items/{id}' } });
    const child = span({ traceId: T, spanId: hex(2, 8), parentSpanId: hex(1, 8), kind: 'INTERNAL', name: 'load' });
    expect(traceHints([ok, child])).toEqual([]);
  });

  it('finds a server span without a route, unless its name is a template or nothing matched', () => {
    const bare = span({ traceId: T, spanId: hex(1, 8), name: 'GET', resource: python });
    const [hint] = traceHints([bare]);
    expect(hint).toMatchObject({ code: 'no-route', spanId: hex(1, 8), service: 'shop' });
    expect(hint?.message).toContain('"GET" has no http.route');
    expect(hint?.fix).toContain('instrument_app(app)');
    expect(codes([span({ traceId: T, spanId: hex(2, 8), name: 'GET /users/:id' })])).toEqual([]);
    const notFound = span({
      traceId: T,
      spanId: hex(3, 8),
      name: 'GET',
      attributes: { 'http.response.status_code': 404n },
    });
    expect(codes([notFound])).toEqual([]);
  });

  it('finds a probe, scrape or docs page that is traced, by route, URL path or name', () => {
    const byRoute = span({
      traceId: T,
      spanId: hex(1, 8),
      name: 'GET /healthz',
      attributes: { 'http.route': '/healthz' },
    });
    const byPath = span({
      traceId: T,
      spanId: hex(2, 8),
      name: 'GET',
      attributes: { 'url.path': '/metrics', 'http.route': '/metrics' },
      resource: { 'service.name': 'api', 'telemetry.sdk.language': 'nodejs' },
    });
    const byName = span({ traceId: T, spanId: hex(3, 8), name: 'GET /ping', attributes: { 'http.route': '/ping' } });
    const hints = traceHints([byRoute, byPath, byName]);
    expect(hints.map((h) => [h.code, h.spanId])).toEqual([
      ['probe-traced', hex(1, 8)],
      ['probe-traced', hex(2, 8)],
      ['probe-traced', hex(3, 8)],
    ]);
    expect(hints[1]?.fix).toContain('ignoreIncomingRequestHook');
    // Exactly the path, as the exclusions match it: /healthzone is a route of its own.
    const near = span({ traceId: T, spanId: hex(4, 8), name: 'GET', attributes: { 'http.route': '/healthzone' } });
    expect(codes([near])).toEqual([]);
  });

  it('finds span names holding ids: numbers, UUIDs, long hex tokens', () => {
    const spans = [
      span({ traceId: T, spanId: hex(1, 8), name: 'GET /items/42', attributes: { 'http.route': '/items/{id}' } }),
      span({
        traceId: T,
        spanId: hex(2, 8),
        kind: 'INTERNAL',
        name: 'load 3f2504e0-4f89-11d3-9a0c-0305e82c3301',
      }),
      span({ traceId: T, spanId: hex(3, 8), kind: 'CLIENT', name: 'GET' }),
    ];
    expect(codes(spans)).toEqual([
      ['id-in-name', hex(1, 8)],
      ['id-in-name', hex(2, 8)],
    ]);
    expect(traceHints(spans)[0]?.message).toContain('holds an id (42)');
  });
  it('says each thing once per trace, on the first span it concerns, and at most a screenful', () => {
    const repeated = Array.from({ length: 50 }, (_, i) =>
      span({ traceId: T, spanId: hex(i + 1, 8), kind: 'CLIENT', name: 'GET /items/42' }),
    );
    expect(codes(repeated)).toEqual([['id-in-name', hex(1, 8)]]);
    const distinct = Array.from({ length: 50 }, (_, i) =>
      span({ traceId: T, spanId: hex(i + 1, 8), kind: 'CLIENT', name: `GET /items/${i + 1}` }),
    );
    expect(traceHints(distinct)).toHaveLength(MAX_TRACE_HINTS);
  });
});

describe('logHints', () => {
  it('names a service whose log records written during requests carry no trace', () => {
    expect(logHints(new Map([['shop', 3]]))).toEqual([
      expect.objectContaining({
        code: 'logs-without-trace',
        service: 'shop',
        message: '3 log records of shop written during requests carry no trace id',
      }),
    ]);
    expect(logHints(new Map([['shop', 0]]))).toEqual([]);
  });
});

describe('untracedDuringRequests', () => {
  const at = (ms: number) => 1_700_000_000_000_000_000n + BigInt(ms) * 1_000_000n;
  const request = (startMs: number, endMs: number, service = 'shop') =>
    span({ startTimeUnixNano: at(startMs), endTimeUnixNano: at(endMs), resource: { 'service.name': service } });
  const record = (ms: number, extra: Partial<ReturnType<typeof log>> = {}) =>
    log({ timeUnixNano: at(ms), observedTimeUnixNano: at(ms), ...extra });

  it('counts records without a trace inside a server span of their service, not those outside every request', () => {
    // A long request (0-100 ms) holding a short one (10-20 ms): 50 ms is inside the long one only.
    const spans = [request(0, 100), request(10, 20), request(200, 210), request(0, 1000, 'other')];
    const logs = [
      record(-50), // start-up, before any request
      record(50),
      record(205),
      record(150), // between requests: a probe that is rightly not traced
      record(60, { traceId: hex(1, 16), spanId: hex(1, 8) }),
    ];
    expect(untracedDuringRequests(spans, logs, new Set(['shop']))).toEqual(new Map([['shop', 2]]));
  });

  it('ignores internal spans and services not asked about', () => {
    const internal = { ...request(0, 100), kind: 'INTERNAL' as const };
    expect(untracedDuringRequests([internal], [record(50)], new Set(['shop']))).toEqual(new Map());
    expect(untracedDuringRequests([request(0, 100)], [record(50)], new Set(['other']))).toEqual(new Map());
  });
});
