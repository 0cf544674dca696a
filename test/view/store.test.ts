import { describe, expect, it, vi } from 'vitest';
import { ViewStore } from '../../src/view/store.js';
import { hex, log, span } from './support.js';

const trace = (n: number) => hex(n, 16);

describe('ViewStore', () => {
  it('groups spans into traces and summarises each from its server span', () => {
    const store = new ViewStore();
    store.add({
      signal: 'traces',
      items: [
        span({
          traceId: trace(1),
          spanId: hex(1, 8),
          attributes: { 'http.route': '/items/{id}', 'http.response.status_code': 500n },
        }),
        span({ traceId: trace(1), spanId: hex(2, 8), parentSpanId: hex(1, 8), kind: 'INTERNAL', name: 'load' }),
        span({ traceId: trace(2), spanId: hex(3, 8), attributes: { 'http.route': '/healthz' } }),
      ],
    });
    const { traces, matched } = store.list();
    expect(matched).toBe(2);
    const first = traces.find((t) => t.traceId === trace(1));
    expect(first).toMatchObject({ route: '/items/{id}', httpStatus: 500, error: true, spanCount: 2, service: 'shop' });
    expect(first?.durationMs).toBe(20);
  });

  it('filters by service, route, status, errors, duration and trace id', () => {
    const store = new ViewStore();
    store.add({
      signal: 'traces',
      items: [
        span({
          traceId: trace(1),
          spanId: hex(1, 8),
          attributes: { 'http.route': '/a', 'http.response.status_code': 200n },
        }),
        span({
          traceId: trace(2),
          spanId: hex(2, 8),
          attributes: { 'http.route': '/b', 'http.response.status_code': 503n },
          endTimeUnixNano: 1_700_000_000_900_000_000n,
        }),
        span({
          traceId: trace(3),
          spanId: hex(3, 8),
          resource: { 'service.name': 'other' },
          status: { code: 'ERROR', message: 'x' },
        }),
      ],
    });
    const ids = (f: Parameters<ViewStore['list']>[0]) =>
      store
        .list(f)
        .traces.map((t) => t.traceId)
        .sort();
    expect(ids({ service: 'other' })).toEqual([trace(3)]);
    expect(ids({ route: '/a' })).toEqual([trace(1)]);
    expect(ids({ status: '5xx' })).toEqual([trace(2)]);
    expect(ids({ status: '200' })).toEqual([trace(1)]);
    expect(ids({ errorsOnly: true })).toEqual([trace(2), trace(3)]);
    expect(ids({ minDurationMs: 100 })).toEqual([trace(2)]);
    expect(ids({ traceId: ` ${trace(3)}` })).toEqual([trace(3)]);
  });

  it('holds at most maxSpans, drops the oldest first and counts them', () => {
    const store = new ViewStore({ maxSpans: 3 });
    for (let i = 1; i <= 5; i++)
      store.add({ signal: 'traces', items: [span({ traceId: trace(i), spanId: hex(i, 8) })] });
    expect(store.stats()).toMatchObject({ spans: 3, traces: 3, dropped: { spans: 2, logs: 0 } });
    expect(store.trace(trace(1))).toBeUndefined();
    expect(store.trace(trace(5))).toBeDefined();
  });

  it('drops a large trace span by span, keeping its newest', () => {
    const store = new ViewStore({ maxSpans: 2 });
    store.add({
      signal: 'traces',
      items: [1, 2, 3].map((i) => span({ traceId: trace(1), spanId: hex(i, 8) })),
    });
    expect(store.trace(trace(1))?.spans.map((s) => s.spanId)).toEqual([hex(2, 8), hex(3, 8)]);
  });

  it("keeps a trace's log records, capped like the spans", () => {
    const store = new ViewStore({ maxLogs: 2 });
    store.add({ signal: 'traces', items: [span({ traceId: trace(1), spanId: hex(1, 8) })] });
    store.add({
      signal: 'logs',
      items: [
        log({ traceId: trace(1), spanId: hex(1, 8), body: 'one' }),
        log({ traceId: trace(1), spanId: hex(1, 8), body: 'two' }),
        log({ body: 'outside any trace' }),
      ],
    });
    expect(store.trace(trace(1))?.logs.map((l) => l.body)).toEqual(['two']);
    expect(store.list().traces[0]?.logCount).toBe(1);
    expect(store.stats().dropped.logs).toBe(1);
  });

  it("gives each trace doctor's hints, and each service whose logs carry no trace its own", () => {
    const store = new ViewStore({ maxLogs: 3 });
    store.add({
      signal: 'traces',
      items: [
        span({ traceId: trace(1), spanId: hex(1, 8), name: 'GET' }),
        span({ traceId: trace(2), spanId: hex(2, 8), attributes: { 'http.route': '/items/{id}' } }),
      ],
    });
    const byId = new Map(store.list().traces.map((t) => [t.traceId, t]));
    expect(byId.get(trace(1))?.hints.map((h) => [h.code, h.spanId])).toEqual([['no-route', hex(1, 8)]]);
    expect(byId.get(trace(2))?.hints).toEqual([]);
    expect(store.trace(trace(1))?.summary.hints).toHaveLength(1);

    // Start-up lines, before any request: nothing wrong with those.
    const before = { timeUnixNano: 1_690_000_000_000_000_000n, observedTimeUnixNano: 1_690_000_000_000_000_000n };
    store.add({ signal: 'logs', items: [log({ body: 'starting', ...before })] });
    expect(store.serviceHints()).toEqual([]);
    // Lines written during a request, without its trace: the handler or the context is missing.
    store.add({ signal: 'logs', items: [log({ body: 'a' }), log({ body: 'b' })] });
    expect(store.serviceHints()).toEqual([expect.objectContaining({ code: 'logs-without-trace', service: 'shop' })]);
    // Once a record with a trace arrived, those without are start-up or background work.
    store.add({ signal: 'logs', items: [log({ traceId: trace(2), spanId: hex(2, 8) })] });
    expect(store.serviceHints()).toEqual([]);
    // ...until it is dropped again.
    store.add({ signal: 'logs', items: [log({}), log({}), log({})] });
    expect(store.serviceHints()).toEqual([
      expect.objectContaining({ message: expect.stringContaining('3 log records') }),
    ]);
  });

  it('lists traces that arrived in the same millisecond (a replayed file) newest first', () => {
    const store = new ViewStore();
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_700_000_100_000);
    const at = (s: number) => 1_700_000_000_000_000_000n + BigInt(s) * 1_000_000_000n;
    store.add({
      signal: 'traces',
      items: [1, 2, 3].map((i) =>
        span({ traceId: trace(i), spanId: hex(i, 8), startTimeUnixNano: at(i), endTimeUnixNano: at(i) + 1000n }),
      ),
    });
    now.mockRestore();
    expect(store.list().traces.map((t) => t.traceId)).toEqual([trace(3), trace(2), trace(1)]);
  });

  it('tells listeners after each batch', () => {
    const store = new ViewStore();
    let calls = 0;
    const off = store.onChange(() => calls++);
    store.add({ signal: 'traces', items: [span({ traceId: trace(1), spanId: hex(1, 8) })] });
    off();
    store.add({ signal: 'traces', items: [span({ traceId: trace(2), spanId: hex(2, 8) })] });
    expect(calls).toBe(1);
  });
});
