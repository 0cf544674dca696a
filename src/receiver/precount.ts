/**
 * Counts what a body would decode into before it is decoded: fields of a protobuf body (walked on the wire
 * with the schema, nothing materialized) or values of a JSON body, its nesting, and for protobuf the items
 * (spans, log records, metric points) it holds. Decoding builds objects per field; counting first is what
 * keeps a small body of millions of empty messages from taking the heap.
 */
import protobuf from 'protobufjs';
import { OtlpDecodeError } from './decode.js';
import { LimitError, type ReceiverLimits } from './limits.js';
import type { SignalName } from './model.js';
import { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, otlpRoot } from './proto.js';

type ScanLimits = Pick<ReceiverLimits, 'maxRequestElements' | 'maxNesting'>;

const REQUEST_TYPES: Record<SignalName, protobuf.Type> = {
  traces: ExportTraceServiceRequest,
  logs: ExportLogsServiceRequest,
  metrics: ExportMetricsServiceRequest,
};

const ITEM_TYPES: ReadonlySet<protobuf.Type> = new Set(
  [
    'trace.v1.Span',
    'logs.v1.LogRecord',
    'metrics.v1.NumberDataPoint',
    'metrics.v1.HistogramDataPoint',
    'metrics.v1.ExponentialHistogramDataPoint',
    'metrics.v1.SummaryDataPoint',
  ].map((name) => otlpRoot.lookupType(`opentelemetry.proto.${name}`)),
);

/** Bytes per element of a packed repeated scalar; varints count as one byte each, an upper bound. */
const PACKED_WIDTH: Record<string, number> = { double: 8, fixed64: 8, sfixed64: 8, float: 4, fixed32: 4, sfixed32: 4 };

function tooMany(limits: ScanLimits): never {
  throw new LimitError('request', `request holds more than ${limits.maxRequestElements} fields or values`);
}

function tooDeep(limits: ScanLimits): never {
  throw new OtlpDecodeError(`request nests deeper than ${limits.maxNesting} levels`);
}

function malformed(what: string): never {
  throw new OtlpDecodeError(`invalid protobuf: ${what}`);
}

/** Returns the number of items; throws LimitError past the element cap, OtlpDecodeError on broken framing. */
export function scanProtobuf(body: Uint8Array, signal: SignalName, limits: ScanLimits): number {
  let pos = 0;
  let elements = 0;
  let items = 0;
  // The messages being walked: their type and where each ends.
  const stack: { type: protobuf.Type; end: number }[] = [{ type: REQUEST_TYPES[signal], end: body.length }];
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= body.length) malformed('truncated varint');
      const byte = body[pos++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    return malformed('varint too long');
  };
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { type: protobuf.Type; end: number };
    if (pos >= top.end) {
      if (pos > top.end) malformed('a field runs past its message');
      stack.pop();
      continue;
    }
    const tag = varint();
    const field = top.type.fieldsById[Math.floor(tag / 8)];
    if (++elements > limits.maxRequestElements) tooMany(limits);
    switch (tag & 7) {
      case 0:
        varint();
        break;
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const length = varint();
        const end = pos + length;
        if (end > top.end) malformed('a length runs past its message');
        const sub = field?.resolvedType;
        if (sub instanceof protobuf.Type) {
          if (stack.length >= limits.maxNesting) tooDeep(limits);
          if (ITEM_TYPES.has(sub)) items++;
          stack.push({ type: sub, end });
          continue; // its fields are read next
        }
        if (field?.repeated && length > 0 && field.type !== 'string' && field.type !== 'bytes') {
          elements += Math.ceil(length / (PACKED_WIDTH[field.type] ?? 1)) - 1;
          if (elements > limits.maxRequestElements) tooMany(limits);
        }
        pos = end;
        break;
      }
      default:
        malformed(`wire type ${tag & 7}`);
    }
  }
  return items;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Counts the values of a JSON body (every `{`, `[` and `,` outside strings) and checks its nesting. */
export function scanJson(body: Uint8Array, limits: ScanLimits): void {
  let elements = 0;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    switch (c) {
      case QUOTE:
        inString = true;
        break;
      case 0x7b: // {
      case 0x5b: // [
        if (++depth > limits.maxNesting) tooDeep(limits);
        if (++elements > limits.maxRequestElements) tooMany(limits);
        break;
      case 0x7d: // }
      case 0x5d: // ]
        depth--;
        break;
      case 0x2c: // ,
        if (++elements > limits.maxRequestElements) tooMany(limits);
        break;
    }
  }
}
