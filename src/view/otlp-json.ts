/**
 * Decoded spans, log records and metric points back to OTLP/JSON export requests, one request per line: the
 * format `--save` writes and `--load` replays through the receiver's own JSON decoders.
 */
import {
  type AttrValue,
  type Batch,
  type ExponentialBuckets,
  decodeJsonRequest,
  decodeLogsJson,
  decodeMetricsJson,
  type ReceivedLog,
  type ReceivedMetricPoint,
  type ReceivedSpan,
} from '../receiver/index.js';
import { SPAN_KINDS, STATUS_CODES, TEMPORALITIES } from '../receiver/model.js';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** proto3 JSON spells non-finite doubles as strings. */
function double(n: number): Json {
  return Number.isFinite(n) ? n : String(n);
}

export function anyValue(v: AttrValue): Json {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'bigint') return { intValue: v.toString() };
  if (typeof v === 'number') return { doubleValue: double(v) };
  if (typeof v === 'boolean') return { boolValue: v };
  if (v === null) return {};
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  return { kvlistValue: { values: keyValues(v) } };
}

function keyValues(attrs: Record<string, AttrValue>): Json[] {
  return Object.entries(attrs).map(([key, value]) => ({ key, value: anyValue(value) }));
}

const nanos = (n: bigint): string => n.toString();

function spanJson(s: ReceivedSpan): Json {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    traceState: s.traceState,
    name: s.name,
    kind: SPAN_KINDS.indexOf(s.kind),
    startTimeUnixNano: nanos(s.startTimeUnixNano),
    endTimeUnixNano: nanos(s.endTimeUnixNano),
    attributes: keyValues(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount ?? 0,
    events: s.events.map((e) => ({
      name: e.name,
      timeUnixNano: nanos(e.timeUnixNano),
      attributes: keyValues(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount ?? 0,
    })),
    droppedEventsCount: s.droppedEventsCount ?? 0,
    links: s.links.map((l) => ({
      traceId: l.traceId,
      spanId: l.spanId,
      traceState: l.traceState ?? '',
      attributes: keyValues(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount ?? 0,
      flags: l.flags ?? 0,
    })),
    droppedLinksCount: s.droppedLinksCount ?? 0,
    status: { code: STATUS_CODES.indexOf(s.status.code), message: s.status.message },
    flags: s.flags ?? 0,
  };
}

function logJson(l: ReceivedLog): Json {
  return {
    timeUnixNano: nanos(l.timeUnixNano),
    observedTimeUnixNano: nanos(l.observedTimeUnixNano),
    severityNumber: l.severityNumber,
    severityText: l.severityText,
    body: anyValue(l.body),
    attributes: keyValues(l.attributes),
    droppedAttributesCount: l.droppedAttributesCount,
    flags: l.flags,
    traceId: l.traceId,
    spanId: l.spanId,
    eventName: l.eventName,
  };
}

/** The count, sum, min and max every distribution point (histogram, exponential, summary) has. */
function distribution(p: ReceivedMetricPoint, base: Record<string, Json>): void {
  base.count = (p.count ?? 0n).toString();
  if (p.sum !== undefined) base.sum = double(p.sum);
  if (p.min !== undefined) base.min = double(p.min);
  if (p.max !== undefined) base.max = double(p.max);
}

const counts = (list: readonly bigint[] | undefined): Json[] => (list ?? []).map((c) => c.toString());

function buckets(b: ExponentialBuckets | undefined): Json {
  return { offset: b?.offset ?? 0, bucketCounts: counts(b?.bucketCounts) };
}

/** The point's own fields, by type. */
function pointFields(p: ReceivedMetricPoint, base: Record<string, Json>): void {
  if (p.type === 'gauge' || p.type === 'sum') {
    if (typeof p.value === 'bigint') base.asInt = p.value.toString();
    else if (typeof p.value === 'number') base.asDouble = double(p.value);
    return;
  }
  distribution(p, base);
  if (p.type === 'histogram') {
    base.bucketCounts = counts(p.bucketCounts);
    base.explicitBounds = (p.explicitBounds ?? []).map(double);
  } else if (p.type === 'exponentialHistogram') {
    base.scale = p.scale ?? 0;
    base.zeroCount = (p.zeroCount ?? 0n).toString();
    base.zeroThreshold = double(p.zeroThreshold ?? 0);
    base.positive = buckets(p.positive);
    base.negative = buckets(p.negative);
  } else {
    base.quantileValues = (p.quantileValues ?? []).map((q) => ({
      quantile: double(q.quantile),
      value: double(q.value),
    }));
  }
}

/** One metric per point (valid OTLP, if wordier), of any of the five types. */
function metricJson(p: ReceivedMetricPoint): Json {
  const base: Record<string, Json> = {
    attributes: keyValues(p.attributes),
    startTimeUnixNano: nanos(p.startTimeUnixNano),
    timeUnixNano: nanos(p.timeUnixNano),
    flags: p.flags,
  };
  pointFields(p, base);
  const data: Record<string, Json> = { dataPoints: [base] };
  // Gauges and summaries have no temporality in OTLP.
  if (p.type !== 'gauge' && p.type !== 'summary') data.aggregationTemporality = TEMPORALITIES.indexOf(p.temporality);
  if (p.type === 'sum') data.isMonotonic = p.isMonotonic;
  return { name: p.name, description: p.description, unit: p.unit, [p.type]: data };
}

interface Origin {
  resource: Record<string, AttrValue>;
  scope: ReceivedSpan['scope'];
}

/** Groups items by their resource, then scope, as they were sent (decoding shares those objects per group). */
function grouped<T extends Origin>(
  items: readonly T[],
  keys: { resources: string; scopes: string; items: string },
  encode: (item: T) => Json,
): Json {
  const byResource = new Map<Origin['resource'], Map<Origin['scope'], Json[]>>();
  for (const item of items) {
    const encoded = encode(item);
    const scopes = byResource.get(item.resource) ?? new Map<Origin['scope'], Json[]>();
    byResource.set(item.resource, scopes);
    const list = scopes.get(item.scope) ?? [];
    scopes.set(item.scope, list);
    list.push(encoded);
  }
  return {
    [keys.resources]: [...byResource].map(([resource, scopes]) => ({
      resource: { attributes: keyValues(resource) },
      [keys.scopes]: [...scopes].map(([scope, list]) => ({
        scope: {
          name: scope.name,
          version: scope.version,
          attributes: keyValues(scope.attributes ?? {}),
          droppedAttributesCount: scope.droppedAttributesCount ?? 0,
        },
        [keys.items]: list,
      })),
    })),
  };
}

const KEYS = {
  traces: { resources: 'resourceSpans', scopes: 'scopeSpans', items: 'spans' },
  logs: { resources: 'resourceLogs', scopes: 'scopeLogs', items: 'logRecords' },
  metrics: { resources: 'resourceMetrics', scopes: 'scopeMetrics', items: 'metrics' },
} as const;

/** One received batch as one line of OTLP/JSON (with its newline). */
export function batchToJsonLine(batch: Pick<Batch, 'signal' | 'items'>): string {
  const keys = KEYS[batch.signal];
  let request: Json;
  if (batch.signal === 'traces') request = grouped(batch.items as ReceivedSpan[], keys, spanJson);
  else if (batch.signal === 'logs') request = grouped(batch.items as ReceivedLog[], keys, logJson);
  else request = grouped(batch.items as ReceivedMetricPoint[], keys, metricJson);
  return `${JSON.stringify(request)}\n`;
}

/** One saved line back to a batch; throws (with the reason) on a line that is no OTLP/JSON export request. */
export function jsonLineToBatch(line: string, receivedAtMs: number): Pick<Batch, 'signal' | 'items'> {
  const ctx = { transport: 'otlp-http-json' as const, receivedAtMs };
  const head = line.slice(0, 40);
  if (head.includes('"resourceSpans"')) return { signal: 'traces', items: decodeJsonRequest(line, ctx) };
  if (head.includes('"resourceLogs"')) return { signal: 'logs', items: decodeLogsJson(line, ctx) };
  if (head.includes('"resourceMetrics"')) return { signal: 'metrics', items: decodeMetricsJson(line, ctx) };
  throw new Error('not an OTLP/JSON export request (resourceSpans, resourceLogs or resourceMetrics)');
}
