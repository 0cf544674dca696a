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
import type { Intake } from './intake.js';
import { LimitError } from './limits.js';
import { ExportTraceServiceResponse, RpcStatus } from './proto.js';
import { CODECS, SIGNAL_NAMES } from './signals.js';

export type HttpTransport = 'otlp-http-protobuf' | 'otlp-http-json';

export interface RunningHttpServer {
  port: number;
  close(graceMs: number): Promise<void>;
}

export const TRACES_PATH = '/v1/traces';
const PROTOBUF_TYPES = new Set(['application/x-protobuf', 'application/protobuf']);
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_NOT_FOUND = 5;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNIMPLEMENTED = 12;
const GRPC_INTERNAL = 13;
const GRPC_UNAUTHENTICATED = 16;

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

function tooLarge(size: number, limit: number, what = 'request body'): HttpError {
  return new HttpError(
    413,
    GRPC_RESOURCE_EXHAUSTED,
    `${what} too large: ${size} bytes or more, the limit is ${limit} bytes (send smaller batches)`,
  );
}

/**
 * Collects the body, and gives up as soon as it is past `limit`: what is left of it is for the refusal to
 * drain or cut (answer()), never kept.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.pause();
      chunks.length = 0;
      reject(tooLarge(size, limit));
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    // A client that disconnects mid-upload: no 'end' will come, so settle here.
    req.on('close', () => {
      if (!req.complete) reject(new HttpError(400, GRPC_INVALID_ARGUMENT, 'request aborted'));
    });
  });
}

/** zstd with the same output bound as zlib's maxOutputLength: decoding stops at the first block past it. */
function unzstd(body: Buffer, limit: number): Buffer {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const stream = new ZstdDecompress((chunk) => {
    size += chunk.length;
    if (size > limit) {
      throw Object.assign(new Error('decompressed body too large'), { code: 'ERR_BUFFER_TOO_LARGE' });
    }
    chunks.push(chunk);
  });
  stream.push(body, true);
  return Buffer.concat(chunks);
}

const isTooLarge = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';

/**
 * Undoes Content-Encoding. The Python exporter's "deflate" is zlib-wrapped; raw deflate is tolerated.
 * zlib inflates chunk by chunk and stops at maxOutputLength, so a compression bomb costs at most `limit`.
 */
async function decodeContent(body: Buffer, encoding: string, limit: number): Promise<Buffer> {
  const opts = { maxOutputLength: limit };
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
        return unzstd(body, limit);
    }
  } catch (err) {
    if (isTooLarge(err)) throw tooLarge(limit + 1, limit, 'decompressed body');
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

/**
 * Answers an error at once, whatever is left of the body. The connection is kept while the rest of the body
 * (at most `drainBytes` more) is read and dropped: a client still uploading when the connection closes sees
 * a reset instead of the answer. Past that, or when Content-Length already says more, it is closed.
 */
function answer(req: IncomingMessage, res: ServerResponse, err: HttpError, format: BodyFormat, drainBytes: number) {
  if (res.headersSent || res.destroyed) return;
  if (req.complete || req.destroyed) return sendError(res, err, format);
  if (Number(req.headers['content-length'] ?? 0) > drainBytes) {
    // Node reads and drops what arrives until the answer is flushed and the connection closed.
    res.setHeader('Connection', 'close');
    return sendError(res, err, format);
  }
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > drainBytes) req.socket.destroy();
  });
  req.resume();
  sendError(res, err, format);
}

async function handle(req: IncomingMessage, res: ServerResponse, intake: Intake): Promise<void> {
  const format = formatOf(req);
  const errorFormat = format ?? 'json';
  const { limits } = intake;
  try {
    const path = new URL(req.url ?? '/', 'http://receiver').pathname.replace(/\/+$/, '');
    const signal = SIGNAL_NAMES.find((s) => CODECS[s].httpPath === path);
    if (!signal) throw new HttpError(404, GRPC_NOT_FOUND, `no handler for ${path || '/'}`);
    if (req.method !== 'POST') throw new HttpError(405, GRPC_UNIMPLEMENTED, `method ${req.method} not allowed`);
    // Before a byte of the body: anyone on this machine can reach the port, only the service has the secret.
    if (!intake.authorize(signal, (name) => req.headers[name])) {
      throw new HttpError(401, GRPC_UNAUTHENTICATED, "missing or wrong run header: not this run's service");
    }
    if (!format) throw new HttpError(415, GRPC_UNIMPLEMENTED, `unsupported Content-Type: ${mediaType(req)}`);
    intake.admit();
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limits.maxRequestBytes) throw tooLarge(declared, limits.maxRequestBytes);

    const encoding = String(req.headers['content-encoding'] ?? '')
      .trim()
      .toLowerCase();
    const body = await decodeContent(await readBody(req, limits.maxRequestBytes), encoding, limits.maxDecodedBytes);
    const transport: HttpTransport = format === 'protobuf' ? 'otlp-http-protobuf' : 'otlp-http-json';
    intake.accept(signal, transport, format, body);
    send(res, 200, format, format === 'protobuf' ? EMPTY_PROTOBUF_RESPONSE : '{}');
  } catch (err) {
    // A client may send up to twice the cap and still read why it was refused.
    answer(req, res, asHttpError(err), errorFormat, 2 * limits.maxRequestBytes);
  }
}

function asHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof LimitError)
    return new HttpError(err.scope === 'run' ? 429 : 413, GRPC_RESOURCE_EXHAUSTED, err.message);
  if (err instanceof OtlpDecodeError) return new HttpError(400, GRPC_INVALID_ARGUMENT, err.message);
  return new HttpError(500, GRPC_INTERNAL, `internal error: ${String(err)}`);
}

export async function startHttpServer(host: string, intake: Intake, port = 0): Promise<RunningHttpServer> {
  const server = createServer((req, res) => {
    // handle() answers every error itself; this only guards against a failure while answering.
    handle(req, res, intake).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    port: (server.address() as AddressInfo).port,
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
