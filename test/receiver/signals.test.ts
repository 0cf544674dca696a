/**
 * Logs and metrics over both transports, zstd bodies, the per-run header that keeps foreign data out,
 * batches of any size the limits admit, and a readable 413.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  LOGS_EXPORT_PATH,
  METRICS_EXPORT_PATH,
  DEFAULT_LIMITS,
  type Receiver,
  startReceiver,
} from '../../src/receiver/index.js';
import { TRACE_ID, PARENT_ID, expectSampleSpans, sampleProtoBytes } from './fixtures.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const hex = (s: string) => Buffer.from(s, 'hex');
const PROTOBUF = { 'Content-Type': 'application/x-protobuf' };
const JSON_CT = { 'Content-Type': 'application/json' };

const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] };
const scope = { name: 'cts.test', version: '1', attributes: [{ key: 'scope.k', value: { stringValue: 'v' } }] };

function logsObject() {
  return {
    resourceLogs: [
      {
        resource,
        scopeLogs: [
          {
            scope,
            logRecords: [
              {
                timeUnixNano: '1700000000000000001',
                observedTimeUnixNano: '1700000000000000002',
                severityNumber: 9,
                severityText: 'INFO',
                body: { stringValue: 'processed item 12345' },
                attributes: [{ key: 'code.line.number', value: { intValue: 42 } }],
                droppedAttributesCount: 1,
                flags: 1,
                traceId: hex(TRACE_ID),
                spanId: hex(PARENT_ID),
                eventName: 'item.processed',
              },
            ],
          },
        ],
      },
    ],
  };
}

function metricsObject() {
  return {
    resourceMetrics: [
      {
        resource,
        scopeMetrics: [
          {
            scope,
            metrics: [
              {
                name: 'http.server.request.duration',
                unit: 's',
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      attributes: [{ key: 'http.route', value: { stringValue: '/process/{item_id}' } }],
                      startTimeUnixNano: '1',
                      timeUnixNano: '2',
                      count: '3',
                      sum: 0.15,
                      bucketCounts: ['0', '3', '0'],
                      explicitBounds: [0.01, 0.1],
                      min: 0.05,
                      max: 0.051,
                    },
                  ],
                },
              },
              { name: 'ints', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ asInt: '3' }] } },
              { name: 'doubles', gauge: { dataPoints: [{ asDouble: 3 }] } },
            ],
          },
        ],
      },
    ],
  };
}

const logsBytes = () => ExportLogsServiceRequest.encode(ExportLogsServiceRequest.fromObject(logsObject())).finish();
const metricsBytes = () =>
  ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(metricsObject())).finish();

function expectSampleLog(receiver: Receiver): void {
  expect(receiver.logs).toHaveLength(1);
  expect(receiver.logs[0]).toMatchObject({
    body: 'processed item 12345',
    severityNumber: 9,
    severityText: 'INFO',
    traceId: TRACE_ID,
    spanId: PARENT_ID,
    flags: 1,
    droppedAttributesCount: 1,
    eventName: 'item.processed',
    timeUnixNano: 1700000000000000001n,
    attributes: { 'code.line.number': 42n },
    resource: { 'service.name': 'checkout' },
    scope: { name: 'cts.test', version: '1', attributes: { 'scope.k': 'v' } },
  });
}

function expectSampleMetrics(receiver: Receiver): void {
  const byName = Object.fromEntries(receiver.metrics.map((m) => [m.name, m]));
  expect(byName['http.server.request.duration']).toMatchObject({
    type: 'histogram',
    unit: 's',
    temporality: 'CUMULATIVE',
    attributes: { 'http.route': '/process/{item_id}' },
    count: 3n,
    sum: 0.15,
    min: 0.05,
    max: 0.051,
    bucketCounts: [0n, 3n, 0n],
    explicitBounds: [0.01, 0.1],
  });
  // int vs double stay distinct, even for an integral double.
  expect(byName.ints).toMatchObject({ type: 'sum', temporality: 'DELTA', isMonotonic: true, value: 3n });
  expect(byName.doubles).toMatchObject({ type: 'gauge', value: 3 });
  expect(typeof byName.doubles!.value).toBe('number');
}

function post(receiver: Receiver, urlPath: string, body: Uint8Array | string, headers: Record<string, string>) {
  return fetch(`${receiver.httpEndpoint}${urlPath}`, { method: 'POST', headers, body });
}

function grpcExport(
  receiver: Receiver,
  method: string,
  body: Uint8Array,
  metadata: Record<string, string> = {},
): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(`127.0.0.1:${receiver.grpcPort}`, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      method,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      md,
      (err) => {
        client.close();
        resolve(err);
      },
    );
  });
}

let receiver: Receiver;
afterEach(async () => {
  await receiver?.close();
});

describe('logs and metrics', () => {
  it('HTTP /v1/logs and /v1/metrics, protobuf', async () => {
    receiver = await startReceiver();
    expect((await post(receiver, '/v1/logs', logsBytes(), PROTOBUF)).status).toBe(200);
    expect((await post(receiver, '/v1/metrics', metricsBytes(), PROTOBUF)).status).toBe(200);
    expectSampleLog(receiver);
    expectSampleMetrics(receiver);
    expect(receiver.requests.map((r) => [r.signal, r.transport])).toEqual([
      ['logs', 'otlp-http-protobuf'],
      ['metrics', 'otlp-http-protobuf'],
    ]);
  });

  it('HTTP /v1/logs and /v1/metrics, OTLP/JSON', async () => {
    receiver = await startReceiver();
    const json = (o: unknown) =>
      JSON.stringify(o, (_k, v: unknown) =>
        Buffer.isBuffer(v)
          ? v.toString('hex')
          : (v as { type?: string })?.type === 'Buffer'
            ? Buffer.from((v as { data: number[] }).data).toString('hex')
            : v,
      );
    expect((await post(receiver, '/v1/logs', json(logsObject()), JSON_CT)).status).toBe(200);
    expect((await post(receiver, '/v1/metrics', json(metricsObject()), JSON_CT)).status).toBe(200);
    expectSampleLog(receiver);
    expectSampleMetrics(receiver);
  });

  it('gRPC LogsService and MetricsService', async () => {
    receiver = await startReceiver();
    expect(await grpcExport(receiver, LOGS_EXPORT_PATH, logsBytes())).toBeNull();
    expect(await grpcExport(receiver, METRICS_EXPORT_PATH, metricsBytes())).toBeNull();
    expectSampleLog(receiver);
    expectSampleMetrics(receiver);
  });
});

describe('content encodings', () => {
  it('accepts zstd bodies', async () => {
    receiver = await startReceiver();
    const body = readFileSync(path.join(FIXTURES, 'sample-traces.pb.zst'));
    const res = await post(receiver, '/v1/traces', body, { ...PROTOBUF, 'Content-Encoding': 'zstd' });
    expect(res.status).toBe(200);
    expectSampleSpans(receiver.spans, 'otlp-http-protobuf');
  });

  it('answers 400 for a corrupt zstd body', async () => {
    receiver = await startReceiver();
    const res = await post(receiver, '/v1/traces', Buffer.from('not zstd at all'), {
      ...PROTOBUF,
      'Content-Encoding': 'zstd',
    });
    expect(res.status).toBe(400);
  });
});

describe('only the run that started the service counts', () => {
  const required = { name: 'x-cts-run', value: 'secret-123' };

  it('a request without the run header is refused, counted as ignored and not stored', async () => {
    receiver = await startReceiver({ requiredHeader: required });
    expect((await post(receiver, '/v1/traces', sampleProtoBytes(), PROTOBUF)).status).toBe(401);
    expect((await grpcExport(receiver, LOGS_EXPORT_PATH, logsBytes()))?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(receiver.spans).toHaveLength(0);
    expect(receiver.logs).toHaveLength(0);
    // Requests, not items: a refused body is never read.
    expect(receiver.ignored).toEqual({ traces: 1, metrics: 0, logs: 1 });

    expect(
      (await post(receiver, '/v1/traces', sampleProtoBytes(), { ...PROTOBUF, 'X-CTS-Run': 'secret-123' })).status,
    ).toBe(200);
    expect(await grpcExport(receiver, LOGS_EXPORT_PATH, logsBytes(), { 'x-cts-run': 'secret-123' })).toBeNull();
    expect(receiver.spans).toHaveLength(2);
    expect(receiver.logs).toHaveLength(1);
    expect(receiver.ignored).toEqual({ traces: 1, metrics: 0, logs: 1 });
  });

  it('a wrong value counts as foreign too', async () => {
    receiver = await startReceiver({ requiredHeader: required });
    const res = await post(receiver, '/v1/traces', sampleProtoBytes(), { ...PROTOBUF, 'x-cts-run': 'guess' });
    expect(res.status).toBe(401);
    expect(receiver.spans).toHaveLength(0);
    expect(receiver.ignored.traces).toBe(1);
  });
});

describe('size limits', () => {
  it('a request with 200k spans is stored whole (no call-stack overflow)', async () => {
    // More than a run keeps by default: what is tested here is storing a batch that large.
    receiver = await startReceiver({ limits: { maxRunItems: 200_000 } });
    const spans = Array.from({ length: 200_000 }, () => ({}));
    const body = ExportTraceServiceRequest.encode(
      ExportTraceServiceRequest.fromObject({ resourceSpans: [{ scopeSpans: [{ spans }] }] }),
    ).finish();
    const res = await post(receiver, '/v1/traces', body, PROTOBUF);
    expect(res.status).toBe(200);
    expect(receiver.spans).toHaveLength(200_000);
  }, 60_000);

  it('an oversized body gets a readable 413, not a broken pipe', async () => {
    receiver = await startReceiver();
    const chunk = Buffer.alloc(1024 * 1024, 1);
    const total = DEFAULT_LIMITS.maxRequestBytes / chunk.length + 1; // MiB, one past the limit
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        `${receiver.httpEndpoint}/v1/traces`,
        { method: 'POST', headers: { ...PROTOBUF, 'Content-Length': String(total * chunk.length) } },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      let sent = 0;
      const write = () => {
        while (sent < total) {
          sent++;
          if (!req.write(chunk)) return req.once('drain', write);
        }
        req.end();
      };
      write();
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatch(/too large.*limit/);
  }, 60_000);
});
