/** OTLP/gRPC transport: unary TraceService, MetricsService and LogsService Export handlers on @grpc/grpc-js. */
import * as grpc from '@grpc/grpc-js';
import { OtlpDecodeError } from './decode.js';
import type { Intake } from './intake.js';
import { LimitError } from './limits.js';
import type { SignalName } from './model.js';
import { ExportTraceServiceResponse } from './proto.js';
import { CODECS, SIGNAL_NAMES } from './signals.js';

export interface RunningGrpcServer {
  port: number;
  close(graceMs: number): Promise<void>;
}

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

/**
 * Refuses a call on its metadata, before its message is read (grpc-js holds the stream paused until the
 * handler asks for it): without the run's header, or once the run holds all it may.
 */
function gateInterceptor(intake: Intake): grpc.ServerInterceptor {
  const signalOf = new Map(SIGNAL_NAMES.map((s) => [CODECS[s].grpcPath, s]));
  return (method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, pass) => {
            const signal = signalOf.get(method.path);
            if (!signal) return pass(metadata);
            if (!intake.authorize(signal, (name) => metadata.get(name))) {
              call.sendStatus({
                code: grpc.status.UNAUTHENTICATED,
                details: "missing or wrong run header: not this run's service",
              });
              return;
            }
            try {
              intake.admit();
            } catch (err) {
              call.sendStatus({ code: grpc.status.RESOURCE_EXHAUSTED, details: (err as Error).message });
              return;
            }
            pass(metadata);
          },
        }),
    });
}

export async function startGrpcServer(host: string, intake: Intake, port = 0): Promise<RunningGrpcServer> {
  // grpc-js undoes grpc-encoding (gzip/deflate) itself, and applies the receive limit both to the message
  // as sent and to what it decompresses to, refusing either with RESOURCE_EXHAUSTED before decoding.
  const server = new grpc.Server({
    'grpc.max_receive_message_length': intake.limits.maxRequestBytes,
    interceptors: [gateInterceptor(intake)],
  });
  for (const signal of SIGNAL_NAMES) {
    server.addService(serviceFor(signal), {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        try {
          intake.accept(signal, 'otlp-grpc', 'protobuf', call.request);
        } catch (err) {
          if (err instanceof LimitError) callback({ code: grpc.status.RESOURCE_EXHAUSTED, details: err.message });
          else {
            const details = err instanceof OtlpDecodeError ? err.message : `decode failed: ${String(err)}`;
            callback({ code: grpc.status.INVALID_ARGUMENT, details });
          }
          return;
        }
        callback(null, EMPTY_RESPONSE);
      },
    });
  }

  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(hostPort(host, port), grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });

  return {
    port: bound,
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
