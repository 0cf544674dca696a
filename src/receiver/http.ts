/**
 * OTLP/HTTP transport: POST /v1/traces, /v1/metrics and /v1/logs with protobuf or JSON bodies, optionally
 * gzip, deflate or zstd encoded.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { OtlpDecodeError } from './decode.js';
import { ExportTraceServiceResponse, RpcStatus } from './proto.js';
import { type Batch, type BatchSink, CODECS, SIGNAL_NAMES } from './signals.js';

export type HttpTransport = 'otlp-http-protobuf' | 'otlp-http-json';

/** A header every request must carry to count (a per-run secret); requests without it are ignored. */
export interface RequiredHeader {
  /** Lowercase header (gRPC metadata) name. */
  name: string;
  value: string;
}

export interface RunningHttpServer {
  port: number;
  close(graceMs: number): Promise<void>;
}

export const TRACES_PATH = '/v1/traces';
const MAX_BODY_BYTES = 64 * 1024 * 1024; // per request, before and after decompression
// An oversized upload is read to its end (so the client can read the 413) up to this much, then cut.
const MAX_DRAIN_BYTES = 1024 * 1024 * 1024;
const PROTOBUF_TYPES = new Set(['application/x-protobuf', 'application/protobuf']);
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_NOT_FOUND = 5;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNIMPLEMENTED = 12;
const GRPC_INTERNAL = 13;

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const EMPTY_PROTOBUF_RESPONSE = Buffer.from(ExportTraceServiceResponse.encode({}).finish());

type BodyFormat = 'protobuf' | 'json';

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly grpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function formatOf(req: IncomingMessage): BodyFormat | undefined {
  const type = mediaType(req);
  if (PROTOBUF_TYPES.has(type)) return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

/**
 * Collects the body. Past the limit it stores nothing but keeps reading to the end, and only then
 * rejects: a client still uploading when the answer is sent would see a broken pipe instead of the
 * 413. A client that goes on far past any sensible size is cut off.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_DRAIN_BYTES) {
      reject(new HttpError(413, GRPC_RESOURCE_EXHAUSTED, tooLargeMessage(declared)));
      return;
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (chunks.length > 0) chunks.length = 0;
      if (size > MAX_DRAIN_BYTES) req.destroy();
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new HttpError(413, GRPC_RESOURCE_EXHAUSTED, tooLargeMessage(size)));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
    // A client that disconnects mid-upload: no 'end' will come, so settle here.
    req.on('close', () => {
      if (!req.complete) reject(new HttpError(400, GRPC_INVALID_ARGUMENT, 'request aborted'));
    });
  });
}

function tooLargeMessage(size: number): string {
  return `request body too large: ${size} bytes, the limit is ${MAX_BODY_BYTES} bytes (send smaller batches)`;
}

/** zstd with the same output bound as zlib's maxOutputLength. */
function unzstd(body: Buffer): Buffer {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const stream = new ZstdDecompress((chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw Object.assign(new Error('decompressed body too large'), { code: 'ERR_BUFFER_TOO_LARGE' });
    }
    chunks.push(chunk);
  });
  stream.push(body, true);
  return Buffer.concat(chunks);
}

const isTooLarge = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';

/** Undo Content-Encoding. The Python exporter's "deflate" is zlib-wrapped; raw deflate is tolerated. */
async function decodeContent(body: Buffer, encoding: string): Promise<Buffer> {
  const opts = { maxOutputLength: MAX_BODY_BYTES }; // guards against compression bombs
  try {
    switch (encoding) {
      case '':
      case 'identity':
        return body;
      case 'gzip':
      case 'x-gzip':
        return await gunzip(body, opts);
      case 'deflate':
        return await inflate(body, opts).catch((err: unknown) => {
          if (isTooLarge(err)) throw err;
          return inflateRaw(body, opts);
        });
      case 'zstd':
        return unzstd(body);
    }
  } catch (err) {
    if (isTooLarge(err)) throw new HttpError(413, GRPC_RESOURCE_EXHAUSTED, 'decompressed body too large');
    throw new HttpError(400, GRPC_INVALID_ARGUMENT, `cannot decode ${encoding} body: ${(err as Error).message}`);
  }
  throw new HttpError(415, GRPC_UNIMPLEMENTED, `unsupported Content-Encoding: ${encoding}`);
}

function send(res: ServerResponse, status: number, format: BodyFormat, body: Uint8Array | string): void {
  const contentType = format === 'protobuf' ? 'application/x-protobuf' : 'application/json';
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Error bodies are google.rpc.Status in the request's own format, as OTLP/HTTP specifies. */
function sendError(res: ServerResponse, err: HttpError, format: BodyFormat): void {
  if (err.status === 405) res.setHeader('Allow', 'POST');
  const status = { code: err.grpcCode, message: err.message };
  const body = format === 'protobuf' ? RpcStatus.encode(RpcStatus.fromObject(status)).finish() : JSON.stringify(status);
  send(res, err.status, format, body);
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  sink: BatchSink,
  required?: RequiredHeader,
): Promise<void> {
  const format = formatOf(req);
  const errorFormat = format ?? 'json';
  try {
    const path = new URL(req.url ?? '/', 'http://receiver').pathname.replace(/\/+$/, '');
    const signal = SIGNAL_NAMES.find((s) => CODECS[s].httpPath === path);
    if (!signal) throw new HttpError(404, GRPC_NOT_FOUND, `no handler for ${path || '/'}`);
    if (req.method !== 'POST') throw new HttpError(405, GRPC_UNIMPLEMENTED, `method ${req.method} not allowed`);
    if (!format) throw new HttpError(415, GRPC_UNIMPLEMENTED, `unsupported Content-Type: ${mediaType(req)}`);

    const encoding = String(req.headers['content-encoding'] ?? '')
      .trim()
      .toLowerCase();
    const body = await decodeContent(await readBody(req), encoding);
    const atMs = Date.now();
    const transport: HttpTransport = format === 'protobuf' ? 'otlp-http-protobuf' : 'otlp-http-json';
    const ctx = { transport, receivedAtMs: atMs };
    const codec = CODECS[signal];
    let items: Batch['items'];
    try {
      items = format === 'protobuf' ? codec.protobuf(body, ctx) : codec.json(body.toString('utf8'), ctx);
    } catch (err) {
      if (err instanceof OtlpDecodeError) throw new HttpError(400, GRPC_INVALID_ARGUMENT, err.message);
      throw err;
    }
    const authorized = !required || req.headers[required.name] === required.value;
    sink({ signal, transport, items, atMs, authorized });
    send(res, 200, format, format === 'protobuf' ? EMPTY_PROTOBUF_RESPONSE : '{}');
  } catch (err) {
    const httpErr =
      err instanceof HttpError ? err : new HttpError(500, GRPC_INTERNAL, `internal error: ${String(err)}`);
    // Don't keep a connection whose oversized upload we'd otherwise have to drain.
    if (httpErr.status === 413) res.setHeader('Connection', 'close');
    // (Node itself discards any unread body of the other errors, keeping keep-alive usable.)
    if (!res.headersSent) sendError(res, httpErr, errorFormat);
  }
}

export async function startHttpServer(
  host: string,
  sink: BatchSink,
  required?: RequiredHeader,
): Promise<RunningHttpServer> {
  const server = createServer((req, res) => {
    // handle() answers every error itself; this only guards against a failure while answering.
    handle(req, res, sink, required).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    port,
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.closeAllConnections(); // keep-alive sockets from exporters, or stuck uploads
        }, graceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
