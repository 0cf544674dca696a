import * as grpc from '@grpc/grpc-js';
import http2 from 'node:http2';
import net from 'node:net';
import { gzipSync, deflateRawSync, deflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RpcStatus, ExportTraceServiceResponse, TRACE_EXPORT_PATH } from '../../src/receiver/proto.js';
import { type Receiver, startReceiver } from '../../src/receiver/index.js';
import { TRACE_ID, expectSampleSpans, sampleJson, sampleProtoBytes } from './fixtures.js';

const passthrough = (b: Buffer): Buffer => b;

/** Unary Export call with a grpc-js client; resolves to the response bytes or the ServiceError. */
function grpcExport(
  receiver: Receiver,
  payload: Uint8Array,
  options: grpc.ChannelOptions = {},
): Promise<{ err: grpc.ServiceError | null; response?: Buffer }> {
  const client = new grpc.Client(`127.0.0.1:${receiver.grpcPort}`, grpc.credentials.createInsecure(), options);
  return new Promise((resolve) => {
    client.makeUnaryRequest(TRACE_EXPORT_PATH, passthrough, passthrough, Buffer.from(payload), (err, response) => {
      client.close();
      resolve({ err, response });
    });
  });
}

/** A hand-built gRPC call over raw HTTP/2, to control the message's compressed flag and grpc-encoding. */
function rawGrpcCall(port: number, message: Buffer, encoding?: string): Promise<{ status: string | undefined }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': TRACE_EXPORT_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
    };
    if (encoding) headers['grpc-encoding'] = encoding;
    const stream = session.request(headers);
    const prefix = Buffer.alloc(5);
    prefix.writeUInt8(encoding ? 1 : 0, 0);
    prefix.writeUInt32BE(message.length, 1);
    let status: string | undefined;
    stream.on('response', (h) => {
      if (h['grpc-status'] !== undefined) status = String(h['grpc-status']); // trailers-only response
    });
    stream.on('trailers', (t) => {
      status = String(t['grpc-status']);
    });
    stream.resume();
    stream.on('close', () => {
      session.close();
      resolve({ status });
    });
    stream.end(Buffer.concat([prefix, message]));
  });
}

function post(
  receiver: Receiver,
  body: Uint8Array | string,
  headers: Record<string, string>,
  path = '/v1/traces',
): Promise<Response> {
  return fetch(`${receiver.httpEndpoint}${path}`, { method: 'POST', headers, body });
}

const PROTOBUF = { 'Content-Type': 'application/x-protobuf' };
const JSON_CT = { 'Content-Type': 'application/json' };

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

let receiver: Receiver;
beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
});

describe('startReceiver', () => {
  it('listens on two OS-chosen loopback ports and reports matching endpoints', () => {
    expect(receiver.grpcPort).toBeGreaterThan(0);
    expect(receiver.httpPort).toBeGreaterThan(0);
    expect(receiver.grpcPort).not.toBe(receiver.httpPort);
    expect(receiver.grpcEndpoint).toBe(`http://127.0.0.1:${receiver.grpcPort}`);
    expect(receiver.httpEndpoint).toBe(`http://127.0.0.1:${receiver.httpPort}`);
    expect(receiver.spans).toEqual([]);
    expect(receiver.requests).toEqual([]);
  });
});

describe('OTLP/gRPC', () => {
  it('decodes an Export call and answers with an empty ExportTraceServiceResponse', async () => {
    const before = Date.now();
    const { err, response } = await grpcExport(receiver, sampleProtoBytes());
    expect(err).toBeNull();
    expect(response?.length).toBe(0);
    expect(ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(response ?? Buffer.alloc(0)))).toEqual(
      {},
    );
    expectSampleSpans(receiver.spans, 'otlp-grpc');
    expect(receiver.spans[0]?.receivedAtMs).toBeGreaterThanOrEqual(before);
    expect(receiver.requests).toEqual([
      { transport: 'otlp-grpc', signal: 'traces', spanCount: 2, atMs: receiver.spans[0]?.receivedAtMs },
    ]);
  });

  it('accepts gzip-compressed messages from a grpc-js client', async () => {
    const { err } = await grpcExport(receiver, sampleProtoBytes(), { 'grpc.default_compression_algorithm': 2 });
    expect(err).toBeNull();
    expectSampleSpans(receiver.spans, 'otlp-grpc');
  });

  it('accepts a message that is gzip-compressed on the wire (grpc-encoding: gzip)', async () => {
    const { status } = await rawGrpcCall(receiver.grpcPort, gzipSync(sampleProtoBytes()), 'gzip');
    expect(status).toBe(String(grpc.status.OK));
    expectSampleSpans(receiver.spans, 'otlp-grpc');
  });

  it('answers INVALID_ARGUMENT for a malformed payload and records nothing', async () => {
    const { err } = await grpcExport(receiver, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]));
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/invalid protobuf/);
    expect(receiver.spans).toEqual([]);
    expect(receiver.requests).toEqual([]);
  });

  it('records an empty request', async () => {
    const { err } = await grpcExport(receiver, new Uint8Array());
    expect(err).toBeNull();
    expect(receiver.requests).toMatchObject([{ transport: 'otlp-grpc', spanCount: 0 }]);
  });
});

describe('OTLP/HTTP', () => {
  it('decodes protobuf and answers with a protobuf response', async () => {
    const res = await post(receiver, sampleProtoBytes(), PROTOBUF);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    expectSampleSpans(receiver.spans, 'otlp-http-protobuf');
    expect(receiver.requests).toMatchObject([{ transport: 'otlp-http-protobuf', spanCount: 2 }]);
  });

  it('decodes JSON and answers with JSON', async () => {
    const res = await post(receiver, JSON.stringify(sampleJson()), {
      'Content-Type': 'application/json; charset=utf-8',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({});
    expectSampleSpans(receiver.spans, 'otlp-http-json');
  });

  it.each([
    ['gzip protobuf', PROTOBUF, 'gzip', () => gzipSync(sampleProtoBytes()), 'otlp-http-protobuf'],
    ['gzip JSON', JSON_CT, 'gzip', () => gzipSync(JSON.stringify(sampleJson())), 'otlp-http-json'],
    ['zlib deflate protobuf', PROTOBUF, 'deflate', () => deflateSync(sampleProtoBytes()), 'otlp-http-protobuf'],
    ['raw deflate protobuf', PROTOBUF, 'deflate', () => deflateRawSync(sampleProtoBytes()), 'otlp-http-protobuf'],
  ] as const)('accepts %s bodies', async (_label, headers, encoding, body, transport) => {
    const res = await post(receiver, body(), { ...headers, 'Content-Encoding': encoding });
    expect(res.status).toBe(200);
    expectSampleSpans(receiver.spans, transport);
  });

  it('also accepts application/protobuf', async () => {
    const res = await post(receiver, sampleProtoBytes(), { 'Content-Type': 'application/protobuf' });
    expect(res.status).toBe(200);
    expect(receiver.spans).toHaveLength(2);
  });

  it('answers 404 for other paths', async () => {
    const res = await post(receiver, sampleProtoBytes(), PROTOBUF, '/v1/profiles');
    expect(res.status).toBe(404);
    expect((await fetch(`${receiver.httpEndpoint}/`)).status).toBe(404);
  });

  it('answers 405 for other methods', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(`${receiver.httpEndpoint}/v1/traces`, { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });

  it('answers 415 for other content types and encodings', async () => {
    expect((await post(receiver, 'x', { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await post(receiver, 'x', {})).status).toBe(415);
    expect((await post(receiver, 'x', { ...PROTOBUF, 'Content-Encoding': 'br' })).status).toBe(415);
  });

  it('answers 400 with a protobuf google.rpc.Status for an undecodable protobuf body', async () => {
    const res = await post(receiver, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), PROTOBUF);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const status = RpcStatus.toObject(RpcStatus.decode(new Uint8Array(await res.arrayBuffer())));
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/invalid protobuf/);
  });

  it('answers 400 with a JSON Status for an undecodable JSON body', async () => {
    const res = await post(receiver, '{"resourceSpans": [', JSON_CT);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: number; message: string };
    expect(body.code).toBe(3);
    expect(body.message).toMatch(/invalid JSON/);
  });

  it('answers 400 for a body that is not valid gzip', async () => {
    const res = await post(receiver, 'not gzip', { ...PROTOBUF, 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(receiver.requests).toEqual([]);
  });

  it('answers 413 for a compression bomb instead of inflating it', async () => {
    const bomb = gzipSync(Buffer.alloc(65 * 1024 * 1024)); // ~64 KiB on the wire
    const res = await post(receiver, bomb, { ...PROTOBUF, 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(receiver.requests).toEqual([]);
  });

  it('keeps serving on a keep-alive connection after an error', async () => {
    expect((await post(receiver, 'junk', JSON_CT)).status).toBe(400);
    expect((await post(receiver, sampleProtoBytes(), PROTOBUF)).status).toBe(200);
    expect(receiver.spans).toHaveLength(2);
  });
});

describe('subscriptions', () => {
  it('waitForSpans resolves true once enough spans arrived, false on timeout', async () => {
    const waiting = receiver.waitForSpans(4, 5000);
    await post(receiver, sampleProtoBytes(), PROTOBUF);
    await grpcExport(receiver, sampleProtoBytes());
    await expect(waiting).resolves.toBe(true);
    await expect(receiver.waitForSpans(4, 0)).resolves.toBe(true);
    const started = Date.now();
    await expect(receiver.waitForSpans(5, 100)).resolves.toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('waitForSpans settles when the receiver closes', async () => {
    const waiting = receiver.waitForSpans(1, 60_000);
    await receiver.close();
    await expect(waiting).resolves.toBe(false);
  });

  it('onSpans delivers each batch until unsubscribed; a throwing listener does not fail the export', async () => {
    const batches: number[] = [];
    const unsubscribe = receiver.onSpans((batch) => batches.push(batch.length));
    const unsubscribeFaulty = receiver.onSpans(() => {
      throw new Error('listener bug');
    });
    const warned = new Promise((resolve) => process.once('warning', resolve));
    expect((await post(receiver, sampleProtoBytes(), PROTOBUF)).status).toBe(200);
    await warned;
    unsubscribe();
    unsubscribeFaulty();
    await grpcExport(receiver, sampleProtoBytes());
    expect(batches).toEqual([2]);
    expect(receiver.spans.map((s) => s.traceId)).toEqual([TRACE_ID, TRACE_ID, TRACE_ID, TRACE_ID]);
  });
});

describe('lifecycle', () => {
  it('runs two receivers at once, each keeping its own spans', async () => {
    const other = await startReceiver();
    try {
      const ports = new Set([receiver.grpcPort, receiver.httpPort, other.grpcPort, other.httpPort]);
      expect(ports.size).toBe(4);
      await post(other, sampleProtoBytes(), PROTOBUF);
      await grpcExport(receiver, sampleProtoBytes());
      expect(receiver.spans.map((s) => s.transport)).toEqual(['otlp-grpc', 'otlp-grpc']);
      expect(other.spans.map((s) => s.transport)).toEqual(['otlp-http-protobuf', 'otlp-http-protobuf']);
    } finally {
      await other.close();
    }
  });

  it('close() frees both ports, is idempotent, and does not wait on open client connections', async () => {
    const r = await startReceiver({ closeGraceMs: 300 });
    // Leave a gRPC channel and a keep-alive HTTP/2 session open, as a live exporter would.
    const client = new grpc.Client(`127.0.0.1:${r.grpcPort}`, grpc.credentials.createInsecure());
    await new Promise<void>((resolve) =>
      client.makeUnaryRequest(TRACE_EXPORT_PATH, passthrough, passthrough, Buffer.from(sampleProtoBytes()), () =>
        resolve(),
      ),
    );
    const session = http2.connect(`http://127.0.0.1:${r.grpcPort}`);
    session.on('error', () => {});
    const openStream = session.request({
      ':method': 'POST',
      ':path': TRACE_EXPORT_PATH,
      'content-type': 'application/grpc',
    });
    openStream.on('error', () => {});
    await post(r, sampleProtoBytes(), PROTOBUF);

    const started = Date.now();
    const first = r.close();
    const second = r.close();
    await Promise.all([first, second]);
    await r.close();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await portIsFree(r.grpcPort)).toBe(true);
    expect(await portIsFree(r.httpPort)).toBe(true);
    client.close();
    session.destroy();
  });

  it('listens on another host when asked (IPv6 loopback when available)', async () => {
    const hasIpv6 = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen(0, '::1', () => probe.close(() => resolve(true)));
    });
    if (!hasIpv6) return; // nothing to check on a machine without IPv6 loopback
    const r = await startReceiver({ host: '::1' });
    try {
      expect(r.httpEndpoint).toBe(`http://[::1]:${r.httpPort}`);
      expect(r.grpcEndpoint).toBe(`http://[::1]:${r.grpcPort}`);
      expect((await post(r, sampleProtoBytes(), PROTOBUF)).status).toBe(200);
      expect(r.spans).toHaveLength(2);
    } finally {
      await r.close();
    }
  });
});

describe('startReceiver for a long-running viewer', () => {
  it('listens on the ports it is given', async () => {
    const [grpcPort, httpPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    const fixed = await startReceiver({ grpcPort, httpPort });
    try {
      expect([fixed.grpcPort, fixed.httpPort]).toEqual([grpcPort, httpPort]);
      expect((await post(fixed, JSON.stringify(sampleJson()), JSON_CT)).status).toBe(200);
    } finally {
      await fixed.close();
    }
  });

  it('with retain false keeps nothing itself and hands every signal to onBatch', async () => {
    const lean = await startReceiver({ retain: false });
    const seen: string[] = [];
    lean.onBatch((batch) => seen.push(`${batch.signal}:${batch.items.length}`));
    try {
      expect((await post(lean, JSON.stringify(sampleJson()), JSON_CT)).status).toBe(200);
      expect((await post(lean, '{"resourceLogs":[]}', JSON_CT, '/v1/logs')).status).toBe(200);
      expect(seen).toEqual(['traces:2', 'logs:0']);
      expect(lean.spans).toEqual([]);
      expect(lean.requests).toEqual([]);
    } finally {
      await lean.close();
    }
  });

  it('accepts any sender when no run header is required, as the viewer does', async () => {
    expect((await post(receiver, JSON.stringify(sampleJson()), JSON_CT)).status).toBe(200);
    expect(receiver.ignored.traces).toBe(0);
  });
});

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
