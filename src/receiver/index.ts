/** Public API of the embedded OTLP trace receiver. */
export { parseConsoleSpans, isoToUnixNanos } from './console.js';
export { OtlpDecodeError, decodeExportRequest, decodeJsonRequest, decodeProtobufRequest } from './decode.js';
export type { DecodeContext } from './decode.js';
export type { AttrValue, ReceivedSpan, SpanKindName, StatusCodeName, Transport } from './model.js';
export { ExportTraceServiceRequest, ExportTraceServiceResponse, TRACE_EXPORT_PATH, otlpRoot } from './proto.js';
export { startReceiver } from './server.js';
export type { Receiver, StartReceiverOptions } from './server.js';
export type { RequestRecord } from './store.js';
