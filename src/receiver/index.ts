/** Public API of the embedded OTLP receiver. */
export { parseConsoleSpans, isoToUnixNanos } from './console.js';
export { OtlpDecodeError, decodeExportRequest, decodeJsonRequest, decodeProtobufRequest } from './decode.js';
export type { DecodeContext } from './decode.js';
export type {
  AttrValue,
  ExponentialBuckets,
  ReceivedLog,
  ReceivedMetricPoint,
  ReceivedSpan,
  SignalName,
  SpanKindName,
  StatusCodeName,
  Transport,
} from './model.js';
export { decodeLogsJson, decodeLogsProtobuf, decodeMetricsJson, decodeMetricsProtobuf } from './decode-signals.js';
export type { RequiredHeader } from './intake.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { ReceiverLimits } from './limits.js';
export {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  ExportTraceServiceResponse,
  LOGS_EXPORT_PATH,
  METRICS_EXPORT_PATH,
  TRACE_EXPORT_PATH,
  otlpRoot,
} from './proto.js';
export { startReceiver } from './server.js';
export type { Receiver, StartReceiverOptions } from './server.js';
export type { RequestRecord } from './store.js';
export type { Batch } from './signals.js';
