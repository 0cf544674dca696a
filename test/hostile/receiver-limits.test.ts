/**
 * What the smoke test's receiver refuses, and how cheaply: requests without the run's header before their
 * body is read, bodies and decoded sizes past the per-request caps, and anything past the per-run caps.
 * (The real flood sizes are in receiver-load-e2e.test.ts.)
 */
import http from 'node:http';
import http2 from 'node:http2';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ExportTraceServiceRequest,
  LOGS_EXPORT_PATH,
  type Receiver,
  TRACE_EXPORT_PATH,
  startReceiver,
} from '../../src/receiver/index.js';
import { DEFAULT_LIMITS } from '../../src/receiver/limits.js';
import { sampleJson, sampleProtoBytes } from '../receiver/fixtures.js';
import { PROTOBUF, emptySpansBody, grpcExportRaw, postRaw } from './otlp-clients.js';

const RUN = { name: 'x-cts-run', value: 'run-secret' };
const WITH_RUN = { ...PROTOBUF, [RUN.name]: RUN.value };
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNAUTHENTICATED = 16;

let receiver: Receiver;
afterEach(async () => {
  await receiver?.close();
});

/**
 * Sends only the headers of a request announcing `declared` bytes, never its body: an answer can then only
 * come from a receiver that decided without reading it.
 */
function headersOnly(url: string, headers: Record<string, string>, declared: number): Promise<number | 'no answer'> {
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { ...headers, 'content-length': String(declared) },
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve('no answer');
    }, 2000);
    req.on('response', (res) => {
      clearTimeout(timer);
      res.resume();
      req.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => {});
    req.flushHeaders();
  });
}

/** A gRPC call whose headers are sent but whose message never is. */
function grpcHeadersOnly(port: number, metadata: Record<string, string>): Promise<string | 'no answer'> {
  return new Promise((resolve) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    const stream = session.request({
      ':method': 'POST',
      ':path': TRACE_EXPORT_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...metadata,
    });
    stream.on('error', () => {});
    const timer = setTimeout(() => finish('no answer'), 2000);
    const finish = (status: string) => {
      clearTimeout(timer);
      session.destroy();
      resolve(status);
    };
    stream.on('response', (h) => {
      if (h['grpc-status'] !== undefined) finish(String(h['grpc-status']));
    });
    stream.on('trailers', (t) => finish(String(t['grpc-status'])));
  });
}

describe('the run header is checked before the body', () => {
  it('HTTP: a request without it is answered 401 before a byte of its body is sent', async () => {
    receiver = await startReceiver({ requiredHeader: RUN });
    expect(await headersOnly(`${receiver.httpEndpoint}/v1/traces`, PROTOBUF, 62_000_000)).toBe(401);
    expect(await headersOnly(`${receiver.httpEndpoint}/v1/logs`, { ...PROTOBUF, [RUN.name]: 'guess' }, 10)).toBe(401);
    expect(receiver.ignored).toEqual({ traces: 1, metrics: 0, logs: 1 });
  });

  it('HTTP: a small foreign body is answered 401 and drained, so its sender reads the answer', async () => {
    receiver = await startReceiver({ requiredHeader: RUN });
    const res = await postRaw(`${receiver.httpEndpoint}/v1/traces`, sampleProtoBytes(), PROTOBUF);
    expect(res.status).toBe(401);
    expect(receiver.spans).toHaveLength(0);
  });

  it('gRPC: a call without it ends UNAUTHENTICATED before its message is read', async () => {
    receiver = await startReceiver({ requiredHeader: RUN });
    expect(await grpcHeadersOnly(receiver.grpcPort, {})).toBe(String(GRPC_UNAUTHENTICATED));
    expect((await grpcExportRaw(receiver.grpcPort, sampleProtoBytes(), { [RUN.name]: 'guess' })).status).toBe(
      GRPC_UNAUTHENTICATED,
    );
    expect(receiver.ignored.traces).toBe(2);
    expect((await grpcExportRaw(receiver.grpcPort, sampleProtoBytes(), { [RUN.name]: RUN.value })).status).toBe(0);
    expect(receiver.spans).toHaveLength(2);
  });
});

describe('one request', () => {
  it('a declared Content-Length past the cap is answered 413 before the body is sent', async () => {
    receiver = await startReceiver({ requiredHeader: RUN });
    const url = `${receiver.httpEndpoint}/v1/traces`;
    expect(await headersOnly(url, WITH_RUN, DEFAULT_LIMITS.maxRequestBytes + 1)).toBe(413);
  });

  it('a chunked body is cut at the cap with a 413', async () => {
    receiver = await startReceiver({ requiredHeader: RUN, limits: { maxRequestBytes: 64 * 1024 } });
    const status = await new Promise<number | undefined>((resolve) => {
      const req = http.request(`${receiver.httpEndpoint}/v1/traces`, {
        method: 'POST',
        agent: false,
        headers: WITH_RUN,
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', () => resolve(undefined));
      const chunk = Buffer.alloc(16 * 1024);
      for (let i = 0; i < 8; i++) req.write(chunk);
      req.end();
    });
    expect(status).toBe(413);
  });

  it('a gzip body is inflated only up to the decoded cap', async () => {
    receiver = await startReceiver({ requiredHeader: RUN });
    const bomb = gzipSync(Buffer.alloc(DEFAULT_LIMITS.maxDecodedBytes + 1));
    const res = await postRaw(`${receiver.httpEndpoint}/v1/traces`, bomb, { ...WITH_RUN, 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
  });

  it('a body of many tiny messages is refused before it is decoded', async () => {
    receiver = await startReceiver({ requiredHeader: RUN });
    // 3 M empty spans fit in 6 MB, under the byte cap, but far past the element cap.
    const res = await postRaw(`${receiver.httpEndpoint}/v1/traces`, emptySpansBody(3_000_000), WITH_RUN);
    expect(res.status).toBe(413);
    expect(receiver.spans).toHaveLength(0);
  });

  it('a JSON body of many tiny values is refused before it is parsed', async () => {
    receiver = await startReceiver({ requiredHeader: RUN });
    const body = `{"resourceSpans":[${'{},'.repeat(2_000_000)}{}]}`;
    const res = await postRaw(`${receiver.httpEndpoint}/v1/traces`, Buffer.from(body), {
      'content-type': 'application/json',
      [RUN.name]: RUN.value,
    });
    expect(res.status).toBe(413);
  });
});

describe('one run', () => {
  it('past the run cap, exports are answered 429 and nothing more is stored', async () => {
    receiver = await startReceiver({ requiredHeader: RUN, limits: { maxRunItems: 4 } });
    const url = `${receiver.httpEndpoint}/v1/traces`;
    expect((await postRaw(url, sampleProtoBytes(), WITH_RUN)).status).toBe(200);
    expect((await postRaw(url, sampleProtoBytes(), WITH_RUN)).status).toBe(200);
    // Full: refused on its headers alone, over either transport.
    expect((await postRaw(url, sampleProtoBytes(), WITH_RUN)).status).toBe(429);
    expect(await headersOnly(url, WITH_RUN, 10_000)).toBe(429);
    expect((await grpcExportRaw(receiver.grpcPort, sampleProtoBytes(), { [RUN.name]: RUN.value })).status).toBe(
      GRPC_RESOURCE_EXHAUSTED,
    );
    expect(receiver.spans).toHaveLength(4);
  });

  it('a batch that would take the run past its cap is refused whole, before it is decoded', async () => {
    receiver = await startReceiver({ requiredHeader: RUN, limits: { maxRunItems: 3 } });
    const url = `${receiver.httpEndpoint}/v1/traces`;
    expect((await postRaw(url, sampleProtoBytes(), WITH_RUN)).status).toBe(200);
    expect((await postRaw(url, sampleProtoBytes(), WITH_RUN)).status).toBe(429);
    expect(receiver.spans).toHaveLength(2);
  });

  it('JSON counts against the same cap', async () => {
    receiver = await startReceiver({ requiredHeader: RUN, limits: { maxRunItems: 3 } });
    const post = () =>
      postRaw(`${receiver.httpEndpoint}/v1/traces`, Buffer.from(JSON.stringify(sampleJson())), {
        'content-type': 'application/json',
        [RUN.name]: RUN.value,
      });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(429);
    expect(receiver.spans).toHaveLength(2);
  });

  it(`the default run cap holds ${DEFAULT_LIMITS.maxRunItems} items, then refuses`, async () => {
    receiver = await startReceiver({ requiredHeader: RUN });
    const url = `${receiver.httpEndpoint}/v1/traces`;
    const half = DEFAULT_LIMITS.maxRunItems / 2;
    const body = Buffer.from(
      ExportTraceServiceRequest.encode(
        ExportTraceServiceRequest.fromObject({
          resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: half }, () => ({})) }] }],
        }),
      ).finish(),
    );
    expect((await postRaw(url, body, WITH_RUN)).status).toBe(200);
    expect((await postRaw(url, body, WITH_RUN)).status).toBe(200);
    expect((await postRaw(url, sampleProtoBytes(), WITH_RUN)).status).toBe(429);
    expect(
      (await grpcExportRaw(receiver.grpcPort, sampleProtoBytes(), { [RUN.name]: RUN.value }, LOGS_EXPORT_PATH)).status,
    ).toBe(GRPC_RESOURCE_EXHAUSTED);
    expect(receiver.spans).toHaveLength(DEFAULT_LIMITS.maxRunItems);
  }, 30_000);

  it('a stream of empty exports is bounded too', async () => {
    receiver = await startReceiver({ requiredHeader: RUN, limits: { maxRunItems: 3 } });
    const url = `${receiver.httpEndpoint}/v1/traces`;
    const statuses: (number | undefined)[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await postRaw(url, Buffer.alloc(0), WITH_RUN)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(receiver.requests.length).toBeLessThanOrEqual(3);
  });
});
