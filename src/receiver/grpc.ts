/** OTLP/gRPC transport: a unary TraceService/Export handler on @grpc/grpc-js. */
import * as grpc from '@grpc/grpc-js';
import { OtlpDecodeError, decodeProtobufRequest } from './decode.js';
import type { ReceivedSpan } from './model.js';
import { ExportTraceServiceResponse, TRACE_EXPORT_PATH } from './proto.js';

export type BatchSink = (transport: 'otlp-grpc', batch: ReceivedSpan[], atMs: number) => void;

export interface RunningGrpcServer {
  port: number;
  close(graceMs: number): Promise<void>;
}

const MAX_MESSAGE_BYTES = 64 * 1024 * 1024; // far above any exporter batch; grpc-js default is 4 MiB
// A collector answers success with an empty response; anything else makes exporters retry or log.
const EMPTY_RESPONSE = Buffer.from(ExportTraceServiceResponse.encode({}).finish());

const passthrough = (b: Buffer): Buffer => b;

/**
 * Bytes in, bytes out: decoding happens in the handler, because a throwing deserializer makes
 * grpc-js answer INTERNAL, while a malformed payload deserves INVALID_ARGUMENT (not retried).
 */
const traceService: grpc.ServiceDefinition = {
  Export: {
    path: TRACE_EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: passthrough,
    requestDeserialize: passthrough,
    responseSerialize: passthrough,
    responseDeserialize: passthrough,
  },
};

export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function startGrpcServer(host: string, sink: BatchSink): Promise<RunningGrpcServer> {
  // grpc-js decompresses gzip/deflate request messages (grpc-encoding) itself.
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  });
  server.addService(traceService, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const atMs = Date.now();
      let batch: ReceivedSpan[];
      try {
        batch = decodeProtobufRequest(call.request, { transport: 'otlp-grpc', receivedAtMs: atMs });
      } catch (err) {
        const details = err instanceof OtlpDecodeError ? err.message : `decode failed: ${String(err)}`;
        callback({ code: grpc.status.INVALID_ARGUMENT, details });
        return;
      }
      sink('otlp-grpc', batch, atMs);
      callback(null, EMPTY_RESPONSE);
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(hostPort(host, 0), grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });

  return {
    port,
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        // Exporters keep their channel open; give in-flight calls a moment, then cut everything.
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
