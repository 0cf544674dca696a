/**
 * Spans printed by the Python SDK's ConsoleSpanExporter: each is `span.to_json()` (json.dumps with
 * indent=4) followed by a newline, interleaved with whatever else the process logs. Ids are "0x"-hex,
 * kind is "SpanKind.X", times are ISO strings (microseconds, "Z"), trace_state is Python's repr of
 * the TraceState, and the instrumentation scope is not printed at all.
 */
import { type JsonValue, parseJsonAt } from './json.js';
import {
  type AttrValue,
  type ReceivedSpan,
  SPAN_KINDS,
  STATUS_CODES,
  type SpanKindName,
  type StatusCodeName,
} from './model.js';

type JsonObj = { [k: string]: JsonValue };

function isObj(v: JsonValue | undefined): v is JsonObj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: JsonValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

function hexId(v: JsonValue | undefined): string {
  return str(v).replace(/^0x/i, '').toLowerCase();
}

/** JSON values already are AttrValues (the lossless parser keeps big ints as bigint). */
function attrs(v: JsonValue | undefined): Record<string, AttrValue> {
  return isObj(v) ? v : {};
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** "2024-05-01T12:00:00.123456Z" → unix nanoseconds; 0n when missing or unparseable. */
export function isoToUnixNanos(iso: string | null | undefined): bigint {
  const m = iso ? ISO_RE.exec(iso.trim()) : null;
  if (!m) return 0n;
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, '0') || '0');
}

/** Python repr of a TraceState ("['{key=a, value=b}']") → W3C form ("a=b"). */
function traceState(repr: string): string {
  return [...repr.matchAll(/\{key=(.*?), value=(.*?)\}/g)].map((m) => `${m[1]}=${m[2]}`).join(',');
}

function kind(v: JsonValue | undefined): SpanKindName {
  const bare = str(v).split('.').pop()?.toUpperCase() ?? '';
  return SPAN_KINDS.find((k) => k === bare) ?? 'UNSPECIFIED';
}

function statusCode(v: JsonValue | undefined): StatusCodeName {
  const bare = str(v).split('.').pop()?.toUpperCase() ?? '';
  return STATUS_CODES.find((c) => c === bare) ?? 'UNSET';
}

function looksLikeSpan(v: JsonValue): v is JsonObj {
  return isObj(v) && isObj(v.context) && typeof v.context.trace_id === 'string';
}

function toSpan(o: JsonObj, receivedAtMs: number): ReceivedSpan {
  const ctx = isObj(o.context) ? o.context : {};
  const status = isObj(o.status) ? o.status : {};
  const resource = isObj(o.resource) ? o.resource : {};
  const list = (v: JsonValue | undefined): JsonObj[] => (Array.isArray(v) ? v.filter(isObj) : []);
  return {
    traceId: hexId(ctx.trace_id),
    spanId: hexId(ctx.span_id),
    parentSpanId: hexId(o.parent_id),
    traceState: traceState(str(ctx.trace_state)),
    name: str(o.name),
    kind: kind(o.kind),
    startTimeUnixNano: isoToUnixNanos(str(o.start_time)),
    endTimeUnixNano: isoToUnixNanos(str(o.end_time)),
    attributes: attrs(o.attributes),
    status: { code: statusCode(status.status_code), message: str(status.description) },
    events: list(o.events).map((e) => ({
      name: str(e.name),
      timeUnixNano: isoToUnixNanos(str(e.timestamp)),
      attributes: attrs(e.attributes),
    })),
    links: list(o.links).map((l) => {
      const lc = isObj(l.context) ? l.context : {};
      return { traceId: hexId(lc.trace_id), spanId: hexId(lc.span_id), attributes: attrs(l.attributes) };
    }),
    resource: attrs(resource.attributes),
    scope: { name: '', version: '' }, // to_json() omits the instrumentation scope
    transport: 'console',
    receivedAtMs,
  };
}

/**
 * Finds every top-level JSON object in `stdout` that looks like a span (has context.trace_id).
 * Each '{' is tried as the start of a JSON value with a real parser (strings and escapes respected);
 * on a parse failure the scan resumes at the next '{', so stray braces in log lines cost nothing.
 */
export function parseConsoleSpans(stdout: string, receivedAtMs: number = Date.now()): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  let i = stdout.indexOf('{');
  while (i !== -1) {
    let next = i + 1;
    try {
      const { value, end } = parseJsonAt(stdout, i);
      next = end; // a whole object: don't look for spans inside it
      if (looksLikeSpan(value)) spans.push(toSpan(value, receivedAtMs));
    } catch {
      // not JSON from here; try the next brace
    }
    i = stdout.indexOf('{', next);
  }
  return spans;
}
