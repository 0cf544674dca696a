/**
 * ExportLogsServiceRequest → ReceivedLog[] and ExportMetricsServiceRequest → ReceivedMetricPoint[], on the
 * same plain-object shape decode.ts works on (protobuf via toObject, or OTLP/JSON as sent).
 */
import {
  type DecodeContext,
  type Obj,
  OtlpDecodeError,
  asArray,
  asDouble,
  asId,
  asInt64,
  asObj,
  asString,
  asUint,
  attributes,
  fail,
  get,
  has,
  scopeOf,
} from './decode.js';
import { parseJson } from './json.js';
import {
  type AttrValue,
  type ExponentialBuckets,
  type MetricType,
  type ReceivedLog,
  type ReceivedMetricPoint,
  type ReceivedScope,
  TEMPORALITIES,
  type Temporality,
} from './model.js';
import { ExportLogsServiceRequest, ExportMetricsServiceRequest, TO_PLAIN_OBJECT } from './proto.js';

interface Origin {
  resource: Record<string, AttrValue>;
  scope: ReceivedScope;
  ctx: DecodeContext;
}

/** Walks resource → scope → items, handing each item its origin. */
function walk<T>(
  request: unknown,
  keys: { resources: string; scopes: string; items: string },
  item: (raw: Obj, path: string, origin: Origin) => T[],
  ctx: DecodeContext,
): T[] {
  const req = asObj(request, 'request') ?? fail('request', 'expected an object');
  const out: T[] = [];
  asArray(get(req, keys.resources), keys.resources).forEach((rRaw, i) => {
    const rp = `${keys.resources}[${i}]`;
    const r = asObj(rRaw, rp) ?? {};
    const res = asObj(get(r, 'resource'), `${rp}.resource`) ?? {};
    const resource = attributes(get(res, 'attributes'), `${rp}.resource.attributes`);
    asArray(get(r, keys.scopes), `${rp}.${keys.scopes}`).forEach((sRaw, j) => {
      const sp = `${rp}.${keys.scopes}[${j}]`;
      const sc = asObj(sRaw, sp) ?? {};
      const scope = scopeOf(get(sc, 'scope'), `${sp}.scope`);
      asArray(get(sc, keys.items), `${sp}.${keys.items}`).forEach((raw, k) => {
        const p = `${sp}.${keys.items}[${k}]`;
        // A loop, never push(...items): a batch may hold more items than the call stack has room for.
        for (const x of item(asObj(raw, p) ?? {}, p, { resource, scope, ctx })) out.push(x);
      });
    });
  });
  return out;
}

function anyBody(v: unknown, path: string): AttrValue {
  // The body is an AnyValue: reuse the attribute decoder on a one-entry list.
  return attributes([{ key: 'body', value: v }], path).body ?? null;
}

function logRecord(l: Obj, path: string, o: Origin): ReceivedLog[] {
  return [
    {
      timeUnixNano: asInt64(get(l, 'timeUnixNano'), `${path}.timeUnixNano`),
      observedTimeUnixNano: asInt64(get(l, 'observedTimeUnixNano'), `${path}.observedTimeUnixNano`),
      severityNumber: severity(get(l, 'severityNumber'), `${path}.severityNumber`),
      severityText: asString(get(l, 'severityText'), `${path}.severityText`),
      body: has(l, 'body') ? anyBody(get(l, 'body'), `${path}.body`) : null,
      attributes: attributes(get(l, 'attributes'), `${path}.attributes`),
      droppedAttributesCount: asUint(get(l, 'droppedAttributesCount'), `${path}.droppedAttributesCount`),
      flags: asUint(get(l, 'flags'), `${path}.flags`),
      traceId: asId(get(l, 'traceId'), `${path}.traceId`),
      spanId: asId(get(l, 'spanId'), `${path}.spanId`),
      eventName: asString(get(l, 'eventName'), `${path}.eventName`),
      resource: o.resource,
      scope: o.scope,
      transport: o.ctx.transport,
      receivedAtMs: o.ctx.receivedAtMs,
    },
  ];
}

/** SeverityNumber names in enum order (OTLP/JSON may spell them out). */
const SEVERITY_NAMES = [
  'UNSPECIFIED',
  ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((l) => [l, `${l}2`, `${l}3`, `${l}4`]),
];

function severity(v: unknown, path: string): number {
  if (typeof v === 'string' && !/^\d+$/.test(v)) {
    const i = SEVERITY_NAMES.indexOf(v.replace(/^SEVERITY_NUMBER_/, ''));
    return i >= 0 ? i : fail(path, `unknown severity ${JSON.stringify(v)}`);
  }
  return asUint(v, path);
}

function temporality(v: unknown, path: string): Temporality {
  if (typeof v === 'string' && !/^\d+$/.test(v)) {
    const bare = v.replace(/^AGGREGATION_TEMPORALITY_/, '') as Temporality;
    return TEMPORALITIES.includes(bare) ? bare : fail(path, `unknown temporality ${JSON.stringify(v)}`);
  }
  return TEMPORALITIES[asUint(v, path)] ?? 'UNSPECIFIED';
}

const optionalDouble = (o: Obj, key: string, path: string): number | undefined =>
  has(o, key) ? asDouble(get(o, key), `${path}.${key}`) : undefined;

function pointBase(p: Obj, path: string) {
  return {
    attributes: attributes(get(p, 'attributes'), `${path}.attributes`),
    startTimeUnixNano: asInt64(get(p, 'startTimeUnixNano'), `${path}.startTimeUnixNano`),
    timeUnixNano: asInt64(get(p, 'timeUnixNano'), `${path}.timeUnixNano`),
    flags: asUint(get(p, 'flags'), `${path}.flags`),
  };
}

function numberValue(p: Obj, path: string): bigint | number | undefined {
  if (has(p, 'asInt')) return asInt64(get(p, 'asInt'), `${path}.asInt`);
  if (has(p, 'asDouble')) return asDouble(get(p, 'asDouble'), `${path}.asDouble`);
  return undefined;
}

const int64s = (o: Obj, key: string, path: string): bigint[] =>
  asArray(get(o, key), `${path}.${key}`).map((c, j) => asInt64(c, `${path}.${key}[${j}]`));

function buckets(o: Obj, key: string, path: string): ExponentialBuckets {
  const b = asObj(get(o, key), `${path}.${key}`) ?? {};
  return {
    offset: Number(asInt64(get(b, 'offset'), `${path}.${key}.offset`)),
    bucketCounts: int64s(b, 'bucketCounts', `${path}.${key}`),
  };
}

/** The fields of an exponential histogram point that its buckets need to be read (and saved) again. */
function exponential(p: Obj, path: string): Partial<ReceivedMetricPoint> {
  return {
    scale: Number(asInt64(get(p, 'scale'), `${path}.scale`)),
    zeroCount: asInt64(get(p, 'zeroCount'), `${path}.zeroCount`),
    zeroThreshold: optionalDouble(p, 'zeroThreshold', path) ?? 0,
    positive: buckets(p, 'positive', path),
    negative: buckets(p, 'negative', path),
  };
}

function quantileValues(p: Obj, path: string): { quantile: number; value: number }[] {
  return asArray(get(p, 'quantileValues'), `${path}.quantileValues`).map((raw, i) => {
    const at = `${path}.quantileValues[${i}]`;
    const q = asObj(raw, at) ?? {};
    return { quantile: optionalDouble(q, 'quantile', at) ?? 0, value: optionalDouble(q, 'value', at) ?? 0 };
  });
}

const METRIC_TYPES: readonly MetricType[] = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'];

function metric(m: Obj, path: string, o: Origin): ReceivedMetricPoint[] {
  const type = METRIC_TYPES.find((t) => has(m, t));
  if (!type) return []; // a metric without data (or of a kind added later): nothing to record
  const data = asObj(get(m, type), `${path}.${type}`) ?? {};
  const identity = {
    name: asString(get(m, 'name'), `${path}.name`),
    description: asString(get(m, 'description'), `${path}.description`),
    unit: asString(get(m, 'unit'), `${path}.unit`),
    type,
    temporality: temporality(get(data, 'aggregationTemporality'), `${path}.${type}.aggregationTemporality`),
    isMonotonic: get(data, 'isMonotonic') === true,
    resource: o.resource,
    scope: o.scope,
    transport: o.ctx.transport,
    receivedAtMs: o.ctx.receivedAtMs,
  };
  return asArray(get(data, 'dataPoints'), `${path}.${type}.dataPoints`).map((raw, i) => {
    const pp = `${path}.${type}.dataPoints[${i}]`;
    const p = asObj(raw, pp) ?? {};
    const point: ReceivedMetricPoint = { ...identity, ...pointBase(p, pp) };
    if (type === 'gauge' || type === 'sum') {
      const value = numberValue(p, pp);
      if (value !== undefined) point.value = value;
      return point;
    }
    point.count = asInt64(get(p, 'count'), `${pp}.count`);
    const sum = optionalDouble(p, 'sum', pp);
    if (sum !== undefined) point.sum = sum;
    const min = optionalDouble(p, 'min', pp);
    if (min !== undefined) point.min = min;
    const max = optionalDouble(p, 'max', pp);
    if (max !== undefined) point.max = max;
    if (type === 'histogram') {
      point.bucketCounts = int64s(p, 'bucketCounts', pp);
      const bounds = asArray(get(p, 'explicitBounds'), `${pp}.explicitBounds`);
      point.explicitBounds = bounds.map((b, j) => asDouble(b, `${pp}.explicitBounds[${j}]`));
    } else if (type === 'exponentialHistogram') Object.assign(point, exponential(p, pp));
    else point.quantileValues = quantileValues(p, pp);
    return point;
  });
}

export function decodeLogsRequest(request: unknown, ctx: DecodeContext): ReceivedLog[] {
  return walk(request, { resources: 'resourceLogs', scopes: 'scopeLogs', items: 'logRecords' }, logRecord, ctx);
}

export function decodeMetricsRequest(request: unknown, ctx: DecodeContext): ReceivedMetricPoint[] {
  return walk(request, { resources: 'resourceMetrics', scopes: 'scopeMetrics', items: 'metrics' }, metric, ctx);
}

function fromProtobuf(type: typeof ExportLogsServiceRequest, body: Uint8Array): unknown {
  try {
    return type.toObject(type.decode(body), TO_PLAIN_OBJECT);
  } catch (err) {
    throw new OtlpDecodeError(`invalid protobuf ${type.name}: ${(err as Error).message}`);
  }
}

function fromJson(body: string): unknown {
  try {
    return parseJson(body);
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${(err as Error).message}`);
  }
}

export const decodeLogsProtobuf = (body: Uint8Array, ctx: DecodeContext) =>
  decodeLogsRequest(fromProtobuf(ExportLogsServiceRequest, body), ctx);
export const decodeLogsJson = (body: string, ctx: DecodeContext) => decodeLogsRequest(fromJson(body), ctx);
export const decodeMetricsProtobuf = (body: Uint8Array, ctx: DecodeContext) =>
  decodeMetricsRequest(fromProtobuf(ExportMetricsServiceRequest, body), ctx);
export const decodeMetricsJson = (body: string, ctx: DecodeContext) => decodeMetricsRequest(fromJson(body), ctx);
