/**
 * ExportTraceServiceRequest → ReceivedSpan[].
 *
 * Both wire forms are first brought to one plain-object shape with lowerCamelCase keys:
 * protobuf via Type.toObject (ids/bytes stay Uint8Array, int64 become decimal strings) and
 * OTLP/JSON as sent (ids hex strings, bytes base64, enums ints or names, int64 strings or numbers).
 * snake_case keys are tolerated too, since generic protobuf JSON printers may emit them.
 */
import { parseJson } from './json.js';
import {
  type AttrValue,
  type ReceivedScope,
  type ReceivedSpan,
  SPAN_KINDS,
  STATUS_CODES,
  type SpanKindName,
  type StatusCodeName,
  type Transport,
  intValue,
  setAttr,
} from './model.js';
import { ExportTraceServiceRequest, TO_PLAIN_OBJECT } from './proto.js';

/** The request could not be decoded; the receiver answers 400 / INVALID_ARGUMENT. */
export class OtlpDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OtlpDecodeError';
  }
}

export interface DecodeContext {
  transport: Transport;
  receivedAtMs: number;
}

export type Obj = Record<string, unknown>;

export function fail(path: string, what: string): never {
  throw new OtlpDecodeError(`${path}: ${what}`);
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Reads a field by its JSON (lowerCamelCase) name, falling back to the proto (snake_case) name. */
export function get(o: Obj, camel: string): unknown {
  if (Object.hasOwn(o, camel)) return o[camel];
  const snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return Object.hasOwn(o, snake) ? o[snake] : undefined;
}

export function has(o: Obj, camel: string): boolean {
  const v = get(o, camel);
  return v !== undefined && v !== null;
}

export function asObj(v: unknown, path: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  return isObj(v) ? v : fail(path, 'expected an object');
}

export function asArray(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : fail(path, 'expected an array');
}

export function asString(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : fail(path, 'expected a string');
}

export function asInt64(v: unknown, path: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  return fail(path, 'expected an integer');
}

export function asDouble(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v); // a huge integer literal from the lossless JSON parser
  // proto3 JSON spells non-finite doubles as strings and may quote numbers.
  if (typeof v === 'string') {
    if (v === 'NaN') return Number.NaN;
    if (v === 'Infinity') return Number.POSITIVE_INFINITY;
    if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (/^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(v)) return Number(v);
  }
  return fail(path, 'expected a number');
}

/** uint32 / fixed32 / int32 fields (dropped counts, flags, enums sent as numbers); 0 when absent. */
export function asUint(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return n;
  return fail(path, 'expected a non-negative integer');
}

/** The instrumentation scope, with its attributes (several scopes may share a name). */
export function scopeOf(v: unknown, path: string): ReceivedScope {
  const sc = asObj(v, path) ?? {};
  return {
    name: asString(get(sc, 'name'), `${path}.name`),
    version: asString(get(sc, 'version'), `${path}.version`),
    attributes: attributes(get(sc, 'attributes'), `${path}.attributes`),
    droppedAttributesCount: asUint(get(sc, 'droppedAttributesCount'), `${path}.droppedAttributesCount`),
  };
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function base64Bytes(s: string, path: string): Uint8Array {
  if (!BASE64_RE.test(s)) fail(path, 'expected base64');
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** Trace/span ids: bytes on the protobuf wire, hex strings in OTLP/JSON (base64 tolerated). */
export function asId(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (v instanceof Uint8Array) return toHex(v);
  if (typeof v !== 'string') return fail(path, 'expected an id');
  if (/^(?:[0-9a-fA-F]{2})*$/.test(v)) return v.toLowerCase();
  return toHex(base64Bytes(v, path));
}

export function asEnum<T extends string>(v: unknown, names: readonly T[], prefix: string, path: string): T {
  const fallback = names[0] as T;
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number' && Number.isInteger(v)) return names[v] ?? fallback; // unknown future values
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return names[Number(v)] ?? fallback;
    const bare = v.startsWith(prefix) ? v.slice(prefix.length) : v;
    const found = names.find((n) => n === bare);
    if (found) return found;
  }
  return fail(path, `unknown enum value ${JSON.stringify(v)}`);
}

function anyValue(v: unknown, path: string): AttrValue {
  const o = asObj(v, path);
  if (!o) return null;
  if (has(o, 'stringValue')) return asString(get(o, 'stringValue'), `${path}.stringValue`);
  if (has(o, 'boolValue')) {
    const b = get(o, 'boolValue');
    return typeof b === 'boolean' ? b : fail(`${path}.boolValue`, 'expected a boolean');
  }
  if (has(o, 'intValue')) return intValue(asInt64(get(o, 'intValue'), `${path}.intValue`));
  if (has(o, 'doubleValue')) return asDouble(get(o, 'doubleValue'), `${path}.doubleValue`);
  if (has(o, 'arrayValue')) {
    const arr = asObj(get(o, 'arrayValue'), `${path}.arrayValue`) ?? {};
    return asArray(get(arr, 'values'), `${path}.arrayValue.values`).map((x, i) =>
      anyValue(x, `${path}.arrayValue.values[${i}]`),
    );
  }
  if (has(o, 'kvlistValue')) {
    const kv = asObj(get(o, 'kvlistValue'), `${path}.kvlistValue`) ?? {};
    return attributes(get(kv, 'values'), `${path}.kvlistValue.values`);
  }
  if (has(o, 'bytesValue')) {
    const b = get(o, 'bytesValue');
    // Copy: a protobuf-decoded Buffer is a view into the whole request body.
    if (b instanceof Uint8Array) return new Uint8Array(b);
    return base64Bytes(asString(b, `${path}.bytesValue`), `${path}.bytesValue`);
  }
  return null; // an empty AnyValue (e.g. Python attribute value None)
}

export function attributes(list: unknown, path: string): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  asArray(list, path).forEach((item, i) => {
    const kv = asObj(item, `${path}[${i}]`) ?? {};
    setAttr(out, asString(get(kv, 'key'), `${path}[${i}].key`), anyValue(get(kv, 'value'), `${path}[${i}].value`));
  });
  return out;
}

export interface SpanOrigin {
  resource: Record<string, AttrValue>;
  scope: ReceivedScope;
  ctx: DecodeContext;
}

function span(s: Obj, path: string, origin: SpanOrigin): ReceivedSpan {
  const status = asObj(get(s, 'status'), `${path}.status`) ?? {};
  return {
    traceId: asId(get(s, 'traceId'), `${path}.traceId`),
    spanId: asId(get(s, 'spanId'), `${path}.spanId`),
    parentSpanId: asId(get(s, 'parentSpanId'), `${path}.parentSpanId`),
    traceState: asString(get(s, 'traceState'), `${path}.traceState`),
    name: asString(get(s, 'name'), `${path}.name`),
    kind: asEnum<SpanKindName>(get(s, 'kind'), SPAN_KINDS, 'SPAN_KIND_', `${path}.kind`),
    startTimeUnixNano: asInt64(get(s, 'startTimeUnixNano'), `${path}.startTimeUnixNano`),
    endTimeUnixNano: asInt64(get(s, 'endTimeUnixNano'), `${path}.endTimeUnixNano`),
    attributes: attributes(get(s, 'attributes'), `${path}.attributes`),
    flags: asUint(get(s, 'flags'), `${path}.flags`),
    droppedAttributesCount: asUint(get(s, 'droppedAttributesCount'), `${path}.droppedAttributesCount`),
    droppedEventsCount: asUint(get(s, 'droppedEventsCount'), `${path}.droppedEventsCount`),
    droppedLinksCount: asUint(get(s, 'droppedLinksCount'), `${path}.droppedLinksCount`),
    status: {
      code: asEnum<StatusCodeName>(get(status, 'code'), STATUS_CODES, 'STATUS_CODE_', `${path}.status.code`),
      message: asString(get(status, 'message'), `${path}.status.message`),
    },
    events: asArray(get(s, 'events'), `${path}.events`).map((e, i) => {
      const ep = `${path}.events[${i}]`;
      const ev = asObj(e, ep) ?? {};
      return {
        name: asString(get(ev, 'name'), `${ep}.name`),
        timeUnixNano: asInt64(get(ev, 'timeUnixNano'), `${ep}.timeUnixNano`),
        attributes: attributes(get(ev, 'attributes'), `${ep}.attributes`),
        droppedAttributesCount: asUint(get(ev, 'droppedAttributesCount'), `${ep}.droppedAttributesCount`),
      };
    }),
    links: asArray(get(s, 'links'), `${path}.links`).map((l, i) => {
      const lp = `${path}.links[${i}]`;
      const link = asObj(l, lp) ?? {};
      return {
        traceId: asId(get(link, 'traceId'), `${lp}.traceId`),
        spanId: asId(get(link, 'spanId'), `${lp}.spanId`),
        attributes: attributes(get(link, 'attributes'), `${lp}.attributes`),
        traceState: asString(get(link, 'traceState'), `${lp}.traceState`),
        flags: asUint(get(link, 'flags'), `${lp}.flags`),
        droppedAttributesCount: asUint(get(link, 'droppedAttributesCount'), `${lp}.droppedAttributesCount`),
      };
    }),
    resource: origin.resource,
    scope: origin.scope,
    transport: origin.ctx.transport,
    receivedAtMs: origin.ctx.receivedAtMs,
  };
}

/** Decodes an ExportTraceServiceRequest in plain-object form (see module comment). */
export function decodeExportRequest(request: unknown, ctx: DecodeContext): ReceivedSpan[] {
  const req = asObj(request, 'request') ?? fail('request', 'expected an object');
  const out: ReceivedSpan[] = [];
  asArray(get(req, 'resourceSpans'), 'resourceSpans').forEach((rsRaw, i) => {
    const rp = `resourceSpans[${i}]`;
    const rs = asObj(rsRaw, rp) ?? {};
    const res = asObj(get(rs, 'resource'), `${rp}.resource`) ?? {};
    // One attributes object per resource, shared by its spans (they describe the same process).
    const resource = attributes(get(res, 'attributes'), `${rp}.resource.attributes`);
    asArray(get(rs, 'scopeSpans'), `${rp}.scopeSpans`).forEach((ssRaw, j) => {
      const sp = `${rp}.scopeSpans[${j}]`;
      const ss = asObj(ssRaw, sp) ?? {};
      const scope = scopeOf(get(ss, 'scope'), `${sp}.scope`);
      asArray(get(ss, 'spans'), `${sp}.spans`).forEach((s, k) => {
        const p = `${sp}.spans[${k}]`;
        out.push(span(asObj(s, p) ?? {}, p, { resource, scope, ctx }));
      });
    });
  });
  return out;
}

/** Decodes a binary (protobuf) ExportTraceServiceRequest. */
export function decodeProtobufRequest(body: Uint8Array, ctx: DecodeContext): ReceivedSpan[] {
  let plain: unknown;
  try {
    plain = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), TO_PLAIN_OBJECT);
  } catch (err) {
    throw new OtlpDecodeError(`invalid protobuf ExportTraceServiceRequest: ${(err as Error).message}`);
  }
  return decodeExportRequest(plain, ctx);
}

/** Decodes an OTLP/JSON ExportTraceServiceRequest (int64 beyond 2^53 stay exact). */
export function decodeJsonRequest(body: string, ctx: DecodeContext): ReceivedSpan[] {
  let parsed: unknown;
  try {
    parsed = parseJson(body);
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${(err as Error).message}`);
  }
  return decodeExportRequest(parsed, ctx);
}
