import { describe, expect, it } from 'vitest';
import { decodeMetricsProtobuf } from '../../src/receiver/index.js';
import { ExportMetricsServiceRequest } from '../../src/receiver/proto.js';
import { batchToJsonLine, jsonLineToBatch } from '../../src/view/otlp-json.js';

const attrs = [{ key: 'http.route', value: { stringValue: '/items/{id}' } }];
const times = { startTimeUnixNano: '1700000000000000000', timeUnixNano: '1700000010000000000' };

/** One metric of each of the five OTLP types, as a service's exporter sends them. */
const metrics = [
  { name: 'queue.depth', unit: '1', gauge: { dataPoints: [{ ...times, attributes: attrs, asInt: '7' }] } },
  {
    name: 'jobs.done',
    unit: '1',
    sum: { dataPoints: [{ ...times, asDouble: 2.5 }], aggregationTemporality: 2, isMonotonic: true },
  },
  {
    name: 'http.server.request.duration',
    unit: 's',
    histogram: {
      dataPoints: [
        { ...times, attributes: attrs, count: '3', sum: 0.3, bucketCounts: ['1', '2', '0'], explicitBounds: [0.1, 1] },
      ],
      aggregationTemporality: 2,
    },
  },
  {
    name: 'rpc.server.duration',
    unit: 'ms',
    exponentialHistogram: {
      dataPoints: [
        {
          ...times,
          count: '6',
          sum: 42.5,
          min: 0.5,
          max: 20,
          scale: -2,
          zeroCount: '1',
          zeroThreshold: 0.001,
          positive: { offset: -1, bucketCounts: ['2', '0', '3'] },
          negative: { offset: 0, bucketCounts: [] },
        },
      ],
      aggregationTemporality: 1,
    },
  },
  {
    name: 'gc.pause',
    unit: 's',
    summary: {
      dataPoints: [
        {
          ...times,
          count: '4',
          sum: 0.2,
          quantileValues: [
            { quantile: 0.5, value: 0.04 },
            { quantile: 0.99, value: 0.09 },
          ],
        },
      ],
    },
  },
];

const request = {
  resourceMetrics: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
      scopeMetrics: [{ scope: { name: 'meter' }, metrics }],
    },
  ],
};

const strip = (items: object[]) => items.map((p) => ({ ...p, receivedAtMs: 0 }));

describe('--save lines', () => {
  it('keep every metric type, so a loaded file holds what was received', () => {
    const received = jsonLineToBatch(JSON.stringify(request), 1);
    expect(received.items.map((p) => (p as { type: string }).type)).toEqual([
      'gauge',
      'sum',
      'histogram',
      'exponentialHistogram',
      'summary',
    ]);
    const line = batchToJsonLine(received);
    const loaded = jsonLineToBatch(line, 2);
    expect(strip(loaded.items)).toEqual(strip(received.items));
    expect(loaded.items[3]).toMatchObject({
      scale: -2,
      zeroCount: 1n,
      zeroThreshold: 0.001,
      positive: { offset: -1, bucketCounts: [2n, 0n, 3n] },
    });
    expect(loaded.items[4]).toMatchObject({ quantileValues: [{ quantile: 0.5 }, { quantile: 0.99, value: 0.09 }] });
  });

  it('read exponential histograms and summaries from protobuf as from JSON', () => {
    const body = ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(request)).finish();
    const fromProtobuf = decodeMetricsProtobuf(body, { transport: 'otlp-http-json', receivedAtMs: 1 });
    const fromJson = jsonLineToBatch(JSON.stringify(request), 1).items;
    expect(strip(fromProtobuf)).toEqual(strip(fromJson));
  });
});
