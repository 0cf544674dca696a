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
  events: { name: string; timeUnixNano: bigint; attributes: Record<string, AttrValue> }[];
  links: { traceId: string; spanId: string; attributes: Record<string, AttrValue> }[];
  resource: Record<string, AttrValue>;
  scope: { name: string; version: string };
  transport: Transport;
  /** Date.now() when the batch arrived. */
  receivedAtMs: number;
}

/** Index order is the OTLP enum value. */
export const SPAN_KINDS: readonly SpanKindName[] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
export const STATUS_CODES: readonly StatusCodeName[] = ['UNSET', 'OK', 'ERROR'];

/** int64 → number when it round-trips exactly, else bigint (so no precision is ever lost). */
export function intValue(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/** Assigns without tripping the `__proto__` setter, since keys come from the wire. */
export function setAttr(target: Record<string, AttrValue>, key: string, value: AttrValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
