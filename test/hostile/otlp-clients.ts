/** Hostile OTLP clients for the receiver tests: hand-built bodies and raw HTTP/gRPC senders that report any outcome. */
import * as grpc from '@grpc/grpc-js';
import http from 'node:http';
import { TRACE_EXPORT_PATH } from '../../src/receiver/index.js';

export const PROTOBUF = { 'content-type': 'application/x-protobuf' };

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

/**
 * An ExportTraceServiceRequest of `spanCount` empty spans (2 bytes each) in one resource and one scope:
 * the cheapest way to make a decoder build millions of objects.
 */
export function emptySpansBody(spanCount: number): Buffer {
  const spans = Buffer.alloc(spanCount * 2);
  for (let i = 0; i < spans.length; i += 2) spans[i] = 0x12; // ScopeSpans.spans (field 2, length-delimited), length 0
  const scopeSpans = Buffer.concat([Buffer.from([0x12]), varint(spans.length)]); // ResourceSpans.scope_spans
  const inner = scopeSpans.length + spans.length;
  const resourceSpans = Buffer.concat([Buffer.from([0x0a]), varint(inner)]); // request.resource_spans
  return Buffer.concat([resourceSpans, scopeSpans, spans]);
}

export interface Outcome {
  /** HTTP status or gRPC code; undefined when the connection was cut before an answer. */
  status?: number;
  error?: string;
  ms: number;
}

/** POSTs `body` and settles on the answer or on the connection's end, whichever the receiver chooses. */
export function postRaw(url: string, body: Uint8Array, headers: Record<string, string>): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Omit<Outcome, 'ms'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...o, ms: performance.now() - started });
    };
    const req = http.request(
      url,
      { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(body.length) } },
      (res) => {
        res.resume();
        res.on('end', () => done({ status: res.statusCode }));
        res.on('error', (e) => done({ status: res.statusCode, error: e.message }));
      },
    );
    req.on('error', (e) => done({ error: e.message }));
    req.end(body);
  });
}

/** One unary OTLP Export over gRPC; resolves with the status code (0 = OK). */
export function grpcExportRaw(
  port: number,
  body: Uint8Array,
  metadata: Record<string, string> = {},
  method = TRACE_EXPORT_PATH,
): Promise<Outcome> {
  const started = performance.now();
  // The client's own send limit must not be what stops a large message.
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': -1,
  });
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      method,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      md,
      { deadline: Date.now() + 30_000 },
      (err) => {
        client.close();
        resolve({
          status: err ? err.code : 0,
          ...(err ? { error: err.details } : {}),
          ms: performance.now() - started,
        });
      },
    );
  });
}
