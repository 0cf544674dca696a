/**
 * Spans printed by the generated Node service's console exporter (src/telemetry.ts): one line per span,
 * `{"otel.span":{...}}`, ids in lowercase hex, times as decimal strings of unix nanoseconds, kind and
 * status code as OTLP enum names. Lines that are not such an object (the app's own logs) are skipped.
 */
import type { AttrValue, ReceivedSpan } from '../../receiver/model.js';
import { SPAN_KINDS, STATUS_CODES, type SpanKindName, type StatusCodeName } from '../../receiver/model.js';

export const NODE_CONSOLE_KEY = 'otel.span';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const nanos = (v: unknown): bigint => (typeof v === 'string' && /^\d+$/.test(v) ? BigInt(v) : 0n);
const attrs = (v: unknown): Record<string, AttrValue> => (isObj(v) ? (v as Record<string, AttrValue>) : {});

function toSpan(o: Obj, receivedAtMs: number): ReceivedSpan {
  const status = isObj(o.status) ? o.status : {};
  const kind = SPAN_KINDS.find((k) => k === o.kind) ?? 'UNSPECIFIED';
  const code = STATUS_CODES.find((c) => c === status.code) ?? 'UNSET';
  const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
  const scope = isObj(o.scope) ? o.scope : {};
  return {
    traceId: str(o.traceId).toLowerCase(),
    spanId: str(o.spanId).toLowerCase(),
    parentSpanId: str(o.parentSpanId).toLowerCase(),
    traceState: str(o.traceState),
    name: str(o.name),
    kind: kind as SpanKindName,
    startTimeUnixNano: nanos(o.startTimeUnixNano),
    endTimeUnixNano: nanos(o.endTimeUnixNano),
    attributes: attrs(o.attributes),
    status: { code: code as StatusCodeName, message: str(status.message) },
    events: list(o.events).map((e) => ({
      name: str(e.name),
      timeUnixNano: nanos(e.timeUnixNano),
      attributes: attrs(e.attributes),
    })),
    links: list(o.links).map((l) => ({
      traceId: str(l.traceId),
      spanId: str(l.spanId),
      attributes: attrs(l.attributes),
    })),
    resource: attrs(o.resource),
    scope: { name: str(scope.name), version: str(scope.version) },
    transport: 'console',
    receivedAtMs,
  };
}

export function parseNodeConsoleSpans(stdout: string, receivedAtMs: number = Date.now()): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  const prefix = `{"${NODE_CONSOLE_KEY}":`;
  for (const line of stdout.split('\n')) {
    const text = line.trim();
    if (!text.startsWith(prefix)) continue;
    try {
      const parsed: unknown = JSON.parse(text);
      const span = isObj(parsed) ? parsed[NODE_CONSOLE_KEY] : undefined;
      if (isObj(span) && typeof span.traceId === 'string') spans.push(toSpan(span, receivedAtMs));
    } catch {
      // a line cut short or glued to other output: not a span
    }
  }
  return spans;
}
