/** The three OTLP signals as the transports see them: where each is posted and how its body decodes. */
import { type DecodeContext, decodeJsonRequest, decodeProtobufRequest } from './decode.js';
import { decodeLogsJson, decodeLogsProtobuf, decodeMetricsJson, decodeMetricsProtobuf } from './decode-signals.js';
import type { ReceivedLog, ReceivedMetricPoint, ReceivedSpan, SignalName, Transport } from './model.js';
import { LOGS_EXPORT_PATH, METRICS_EXPORT_PATH, TRACE_EXPORT_PATH } from './proto.js';

export interface SignalItems {
  traces: ReceivedSpan;
  metrics: ReceivedMetricPoint;
  logs: ReceivedLog;
}

export interface SignalCodec<S extends SignalName = SignalName> {
  signal: S;
  /** OTLP/HTTP path. */
  httpPath: string;
  /** gRPC method path. */
  grpcPath: string;
  protobuf(body: Uint8Array, ctx: DecodeContext): SignalItems[S][];
  json(body: string, ctx: DecodeContext): SignalItems[S][];
}

export const CODECS: { [S in SignalName]: SignalCodec<S> } = {
  traces: {
    signal: 'traces',
    httpPath: '/v1/traces',
    grpcPath: TRACE_EXPORT_PATH,
    protobuf: decodeProtobufRequest,
    json: decodeJsonRequest,
  },
  metrics: {
    signal: 'metrics',
    httpPath: '/v1/metrics',
    grpcPath: METRICS_EXPORT_PATH,
    protobuf: decodeMetricsProtobuf,
    json: decodeMetricsJson,
  },
  logs: {
    signal: 'logs',
    httpPath: '/v1/logs',
    grpcPath: LOGS_EXPORT_PATH,
    protobuf: decodeLogsProtobuf,
    json: decodeLogsJson,
  },
};

export const SIGNAL_NAMES: readonly SignalName[] = ['traces', 'metrics', 'logs'];

/** One decoded export request, handed from a transport to the store. */
export interface Batch {
  signal: SignalName;
  transport: Transport;
  items: SignalItems[SignalName][];
  atMs: number;
}
