/** The embedded OTLP receiver: one gRPC and one HTTP listener feeding a shared store of spans, logs and metrics. */
import { hostPort, startGrpcServer } from './grpc.js';
import { startHttpServer } from './http.js';
import { Intake, type RequiredHeader } from './intake.js';
import { type ReceiverLimits, receiverLimits } from './limits.js';
import type { ReceivedLog, ReceivedMetricPoint, ReceivedSpan, SignalName } from './model.js';
import type { Batch } from './signals.js';
import { type RequestRecord, SpanStore } from './store.js';

export interface Receiver {
  grpcPort: number;
  httpPort: number;
  /** e.g. 'http://127.0.0.1:41234': OTEL_EXPORTER_OTLP_ENDPOINT for the gRPC exporter. */
  grpcEndpoint: string;
  /** e.g. 'http://127.0.0.1:41235': base URL; the HTTP exporter appends /v1/traces. */
  httpEndpoint: string;
  /** Everything received so far, in arrival order. */
  spans: ReceivedSpan[];
  logs: ReceivedLog[];
  metrics: ReceivedMetricPoint[];
  /** Requests refused for lacking the required header (another process), per signal; never read. */
  ignored: Record<SignalName, number>;
  requests: RequestRecord[];
  /** Called with each request's batch as it arrives; returns an unsubscribe function. */
  onSpans(listener: (batch: ReceivedSpan[]) => void): () => void;
  /** Called with each accepted request of any signal, decoded; returns an unsubscribe function. */
  onBatch(listener: (batch: Batch) => void): () => void;
  /** true once spans.length >= count; false on timeout (or if the receiver closes first). */
  waitForSpans(count: number, timeoutMs: number): Promise<boolean>;
  /** Frees both ports; idempotent; force-closes lingering connections after a short grace. */
  close(): Promise<void>;
}

export interface StartReceiverOptions {
  /** Interface to listen on (default 127.0.0.1); both listeners take an OS-chosen free port. */
  host?: string;
  /** How long close() lets in-flight exports finish before cutting connections (default 1000 ms). */
  closeGraceMs?: number;
  /**
   * Only requests carrying this header count (e.g. a per-run secret the service under test gets in
   * OTEL_EXPORTER_OTLP_HEADERS); anything else is refused unread (401, UNAUTHENTICATED) and counted in
   * `ignored`.
   */
  requiredHeader?: RequiredHeader;
  /** Overrides of the caps on what one request and the whole run may hold (DEFAULT_LIMITS). */
  limits?: Partial<ReceiverLimits>;
  /** Fixed ports (e.g. the standard 4317 and 4318); 0 or absent: a free port the OS chooses. */
  grpcPort?: number;
  httpPort?: number;
  /**
   * false: keep nothing in `spans`, `logs`, `metrics` and `requests`, only hand batches to the listeners
   * (a long-running viewer keeps its own bounded store); the run caps still apply unless raised.
   */
  retain?: boolean;
}

export async function startReceiver(opts: StartReceiverOptions = {}): Promise<Receiver> {
  const host = opts.host ?? '127.0.0.1';
  const graceMs = opts.closeGraceMs ?? 1000;
  const store = new SpanStore(opts.retain ?? true);

  const required = opts.requiredHeader
    ? { name: opts.requiredHeader.name.toLowerCase(), value: opts.requiredHeader.value }
    : undefined;
  const intake = new Intake(store, receiverLimits(opts.limits), required);
  const grpcServer = await startGrpcServer(host, intake, opts.grpcPort ?? 0);
  const http = await startHttpServer(host, intake, opts.httpPort ?? 0).catch(async (err: unknown) => {
    await grpcServer.close(0); // don't leak the first port when the second fails
    throw err;
  });

  let closing: Promise<void> | undefined;
  return {
    grpcPort: grpcServer.port,
    httpPort: http.port,
    grpcEndpoint: `http://${hostPort(host, grpcServer.port)}`,
    httpEndpoint: `http://${hostPort(host, http.port)}`,
    spans: store.spans,
    logs: store.logs,
    metrics: store.metrics,
    ignored: store.ignored,
    requests: store.requests,
    onSpans: (listener) => store.onSpans(listener),
    onBatch: (listener) => store.onBatch(listener),
    waitForSpans: (count, timeoutMs) => store.waitForSpans(count, timeoutMs),
    close: () => {
      closing ??= Promise.all([grpcServer.close(graceMs), http.close(graceMs)]).then(() => store.close());
      return closing;
    },
  };
}
