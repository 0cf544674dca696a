/** Decoded, transport-independent span shape every check in the smoke test works on. */

export type AttrValue =
  | string
  | number
  | boolean
  | bigint
  | null
  | AttrValue[]
  | { [k: string]: AttrValue }
  | Uint8Array;

export type SpanKindName = 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
export type StatusCodeName = 'UNSET' | 'OK' | 'ERROR';
export type Transport = 'otlp-grpc' | 'otlp-http-protobuf' | 'otlp-http-json' | 'console';

export interface ReceivedScope {
  name: string;
  version: string;
  attributes: Record<string, AttrValue>;
  droppedAttributesCount: number;
}

export interface ReceivedSpan {
  /** Lowercase hex; '' when absent. */
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  name: string;
  kind: SpanKindName;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, AttrValue>;
  status: { code: StatusCodeName; message: string };
  events: {
    name: string;
    timeUnixNano: bigint;
    attributes: Record<string, AttrValue>;
    droppedAttributesCount?: number;
  }[];
  links: {
    traceId: string;
    spanId: string;
    attributes: Record<string, AttrValue>;
    traceState?: string;
    flags?: number;
    droppedAttributesCount?: number;
  }[];
  /** W3C trace flags and the parent-is-remote bits (0 when not sent). */
  flags?: number;
  droppedAttributesCount?: number;
  droppedEventsCount?: number;
  droppedLinksCount?: number;
  resource: Record<string, AttrValue>;
  scope: { name: string; version: string; attributes?: Record<string, AttrValue>; droppedAttributesCount?: number };
  transport: Transport;
  /** Date.now() when the batch arrived. */
  receivedAtMs: number;
}

export interface ReceivedLog {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: AttrValue;
  attributes: Record<string, AttrValue>;
  droppedAttributesCount: number;
  flags: number;
  /** Lowercase hex; '' when the record was written outside any span. */
  traceId: string;
  spanId: string;
  eventName: string;
  resource: Record<string, AttrValue>;
  scope: ReceivedScope;
  transport: Transport;
  receivedAtMs: number;
}

export type MetricType = 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';
export type Temporality = 'UNSPECIFIED' | 'DELTA' | 'CUMULATIVE';

/** One side (positive or negative values) of an exponential histogram point. */
export interface ExponentialBuckets {
  offset: number;
  bucketCounts: bigint[];
}

/** One data point of one metric, with the metric's identity repeated so points can be filtered alone. */
export interface ReceivedMetricPoint {
  name: string;
  description: string;
  unit: string;
  type: MetricType;
  temporality: Temporality;
  isMonotonic: boolean;
  attributes: Record<string, AttrValue>;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  /** Gauge and sum points: an int stays a bigint, a double a number, so the two never blur. */
  value?: bigint | number;
  /** Histogram, exponential histogram and summary points. */
  count?: bigint;
  sum?: number;
  min?: number;
  max?: number;
  bucketCounts?: bigint[];
  explicitBounds?: number[];
  /** Exponential histogram points: bucket i of a range counts values in (base^(offset+i), base^(offset+i+1)]. */
  scale?: number;
  zeroCount?: bigint;
  zeroThreshold?: number;
  positive?: ExponentialBuckets;
  negative?: ExponentialBuckets;
  /** Summary points. */
  quantileValues?: { quantile: number; value: number }[];
  flags: number;
  resource: Record<string, AttrValue>;
  scope: ReceivedScope;
  transport: Transport;
  receivedAtMs: number;
}

export type SignalName = 'traces' | 'metrics' | 'logs';

/** Index order is the OTLP enum value. */
export const SPAN_KINDS: readonly SpanKindName[] = [
  'UNSPECIFIED',
  'INTERNAL',
  'SERVER',
  'CLIENT',
  'PRODUCER',
  'CONSUMER',
];
export const STATUS_CODES: readonly StatusCodeName[] = ['UNSET', 'OK', 'ERROR'];
export const TEMPORALITIES: readonly Temporality[] = ['UNSPECIFIED', 'DELTA', 'CUMULATIVE'];

/**
 * An int64 attribute stays a bigint: an OTLP intValue and doubleValue must not become the same JS
 * number (3 and 3.0), and no precision is lost beyond 2^53.
 */
export function intValue(n: bigint): bigint {
  return n;
}

/** Assigns without tripping the `__proto__` setter, since keys come from the wire. */
export function setAttr(target: Record<string, AttrValue>, key: string, value: AttrValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
