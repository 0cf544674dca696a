import { describe, expect, it } from 'vitest';
import type { ReceivedMetricPoint } from '../../src/receiver/index.js';
import { quantile, RouteMetrics } from '../../src/view/metrics.js';

function point(fields: Partial<ReceivedMetricPoint>): ReceivedMetricPoint {
  return {
    name: 'http.server.request.duration',
    description: '',
    unit: 's',
    type: 'histogram',
    temporality: 'CUMULATIVE',
    isMonotonic: false,
    attributes: { 'http.route': '/items/{id}', 'http.request.method': 'GET', 'http.response.status_code': 200n },
    startTimeUnixNano: 1n,
    timeUnixNano: 1_700_000_000_000_000_000n,
    flags: 0,
    resource: { 'service.name': 'shop' },
    scope: { name: 'm', version: '', attributes: {}, droppedAttributesCount: 0 },
    transport: 'otlp-grpc',
    receivedAtMs: 0,
    explicitBounds: [0.01, 0.1, 1],
    ...fields,
  };
}

describe('quantile', () => {
  it('interpolates inside the bucket holding the rank', () => {
    expect(quantile(0.5, [10, 20], [0, 10, 0])).toBe(15);
    expect(quantile(0.5, [10, 20], [0, 0, 0])).toBeUndefined();
    expect(quantile(0.99, [10, 20], [0, 0, 5])).toBe(20);
  });
});

describe('RouteMetrics', () => {
  it('gives each route its rate and percentiles from cumulative histograms', () => {
    const m = new RouteMetrics();
    m.add([point({ count: 10n, bucketCounts: [10n, 0n, 0n, 0n] })]);
    m.add([point({ count: 30n, bucketCounts: [10n, 20n, 0n, 0n], timeUnixNano: 1_700_000_010_000_000_000n })]);
    const [row] = m.routes();
    expect(row).toMatchObject({ service: 'shop', route: '/items/{id}', count: 30, rate: 2 });
    expect(row?.p50).toBeCloseTo(0.0325, 5); // rank 15 of 30: a quarter into the 10-100 ms bucket
  });

  it('adds up delta points, reads the older metric in ms, and ignores other metrics', () => {
    const m = new RouteMetrics();
    const delta = { temporality: 'DELTA' as const, name: 'http.server.duration', explicitBounds: [10, 100] };
    m.add([point({ ...delta, count: 2n, bucketCounts: [2n, 0n, 0n] })]);
    m.add([point({ ...delta, count: 2n, bucketCounts: [0n, 2n, 0n] })]);
    m.add([point({ name: 'http.client.request.duration', count: 99n, bucketCounts: [99n, 0n, 0n, 0n] })]);
    const [row] = m.routes();
    expect(row?.count).toBe(4);
    expect(row?.p50).toBeCloseTo(0.01, 5);
    expect(m.routes()).toHaveLength(1);
  });

  it('starts a series over when its service restarted', () => {
    const m = new RouteMetrics();
    m.add([point({ count: 50n, bucketCounts: [50n, 0n, 0n, 0n] })]);
    // The restarted service's series starts at its own start time, 2 s before this point.
    const restart = { startTimeUnixNano: 1_700_000_003_000_000_000n, timeUnixNano: 1_700_000_005_000_000_000n };
    m.add([point({ ...restart, count: 3n, bucketCounts: [3n, 0n, 0n, 0n] })]);
    expect(m.routes()[0]).toMatchObject({ count: 3, rate: 1.5 });
  });

  it('measures the rate from the first point, over the interval the point itself covers', () => {
    const m = new RouteMetrics();
    const start = 1_700_000_000_000_000_000n;
    m.add([point({ startTimeUnixNano: start, timeUnixNano: start + 10_000_000_000n, count: 30n })]);
    const delta = { temporality: 'DELTA' as const, attributes: { 'http.route': '/b' } };
    m.add([point({ ...delta, startTimeUnixNano: start, timeUnixNano: start + 5_000_000_000n, count: 5n })]);
    const rate = (route: string) => m.routes().find((r) => r.route === route)?.rate;
    expect(rate('/items/{id}')).toBe(3);
    expect(rate('/b')).toBe(1);
  });

  it('leaves the rate unknown, not 0, while no interval is measurable', () => {
    const m = new RouteMetrics();
    m.add([point({ startTimeUnixNano: 0n, count: 30n })]);
    expect(m.routes()[0]?.count).toBe(30);
    expect(m.routes()[0]?.rate).toBeUndefined();
  });

  it('reads exponential histograms too, whatever their scale, merged per route', () => {
    const m = new RouteMetrics();
    const expo = (status: bigint, scale: number, offset: number, count: bigint) =>
      point({
        type: 'exponentialHistogram',
        attributes: { 'http.route': '/items/{id}', 'http.response.status_code': status },
        explicitBounds: undefined,
        count,
        scale,
        zeroCount: 0n,
        positive: { offset, bucketCounts: [count] },
        negative: { offset: 0, bucketCounts: [] },
      });
    // 10 requests in (2^(-35/8), 2^(-34/8)] s = (48.1, 52.6] ms; 10 in (2^-4.5, 2^-4] s = (44.2, 62.5] ms.
    m.add([expo(200n, 3, -35, 10n), expo(201n, 1, -9, 10n)]);
    const [row] = m.routes();
    expect(row?.count).toBe(20);
    expect(row?.p50).toBeCloseTo(2 ** (-34 / 8), 4);
    expect(row?.p99).toBeGreaterThan(2 ** -4.5);
    expect(row?.p99).toBeLessThanOrEqual(2 ** -4);
    // Delta points of one series add up.
    const delta = new RouteMetrics();
    const d = { ...expo(200n, 3, -35, 4n), temporality: 'DELTA' as const };
    delta.add([d, d]);
    expect(delta.routes()[0]).toMatchObject({ count: 8 });
    expect(delta.routes()[0]?.p50).toBeCloseTo(2 ** (-34.5 / 8), 2);
  });
});
