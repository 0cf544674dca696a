/** OTLP/gRPC transport: unary TraceService, MetricsService and LogsService Export handlers on @grpc/grpc-js. */
import * as grpc from '@grpc/grpc-js';
import { OtlpDecodeError } from './decode.js';
import type { SignalName } from './model.js';
import { ExportTraceServiceResponse } from './proto.js';
import { type Batch, type BatchSink, CODECS, SIGNAL_NAMES } from './signals.js';
import type { RequiredHeader } from './http.js';

export interface RunningGrpcServer {
  port: number;
  close(graceMs: number): Promise<void>;
}

const MAX_MESSAGE_BYTES = 64 * 1024 * 1024; // far above any exporter batch; grpc-js default is 4 MiB
// A collector answers success with an empty response (the same empty bytes for all three services);
// anything else makes exporters retry or log.
const EMPTY_RESPONSE = Buffer.from(ExportTraceServiceResponse.encode({}).finish());

const passthrough = (b: Buffer): Buffer => b;

/**
 * Bytes in, bytes out: decoding happens in the handler, because a throwing deserializer makes
 * grpc-js answer INTERNAL, while a malformed payload deserves INVALID_ARGUMENT (not retried).
 */
function serviceFor(signal: SignalName): grpc.ServiceDefinition {
  return {
    Export: {
      path: CODECS[signal].grpcPath,
      requestStream: false,
      responseStream: false,
      requestSerialize: passthrough,
      requestDeserialize: passthrough,
      responseSerialize: passthrough,
      responseDeserialize: passthrough,
    },
  };
}

export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function startGrpcServer(
  host: string,
  sink: BatchSink,
  required?: RequiredHeader,
): Promise<RunningGrpcServer> {
  // grpc-js decompresses gzip/deflate request messages (grpc-encoding) itself.
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  });
  for (const signal of SIGNAL_NAMES) {
    server.addService(serviceFor(signal), {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const atMs = Date.now();
        let items: Batch['items'];
        try {
          items = CODECS[signal].protobuf(call.request, { transport: 'otlp-grpc', receivedAtMs: atMs });
        } catch (err) {
          const details = err instanceof OtlpDecodeError ? err.message : `decode failed: ${String(err)}`;
          callback({ code: grpc.status.INVALID_ARGUMENT, details });
          return;
        }
        const authorized = !required || call.metadata.get(required.name).some((v) => String(v) === required.value);
        sink({ signal, transport: 'otlp-grpc', items, atMs, authorized });
        callback(null, EMPTY_RESPONSE);
      },
    });
  }

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
