/**
 * The telemetry contract: the shape of what a service emits for the smoke test's requests (per route the
 * server span's name and kind, its children, their attribute keys; resource attribute keys; metric names,
 * units and attribute keys; whether log records carry the trace), and how a run's shape is compared with
 * the recorded one: what disappeared or was renamed fails, what is new is only said, a span name holding an
 * id always fails. Keys only, never values. The file itself is ./contract-file.ts.
 */
import type { ReceivedLog, ReceivedMetricPoint, ReceivedSpan } from '../receiver/model.js';
import { check } from './check.js';
import type { ContractRoute, MetricShape, RouteShape, SpanShape, TelemetryContract } from './contract-shape.js';
import type { SentRequest, SmokeCheck } from './types.js';

export type { ContractRoute, MetricShape, RouteShape, SpanShape, TelemetryContract } from './contract-shape.js';

/** A request whose spans the shape is read from: sent with a traceparent, so its trace is known. */
export interface TracedRequest {
  route: ContractRoute;
  request: SentRequest;
  traceId: string;
}

const sorted = (keys: Iterable<string>) => [...new Set(keys)].sort();

function spanShape(span: ReceivedSpan): SpanShape {
  return { name: span.name, kind: span.kind, attributes: sorted(Object.keys(span.attributes)) };
}

/** One shape per name and kind, attribute keys merged (a loop in the handler opens the same span twice). */
function mergeSpans(spans: ReceivedSpan[]): SpanShape[] {
  const byName = new Map<string, SpanShape>();
  for (const s of spans) {
    const key = `${s.kind} ${s.name}`;
    const seen = byName.get(key);
    byName.set(
      key,
      seen ? { ...seen, attributes: sorted([...seen.attributes, ...Object.keys(s.attributes)]) } : spanShape(s),
    );
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind));
}

export interface ShapeInput {
  traced: TracedRequest[];
  spans: ReceivedSpan[];
  /** Undefined when the signal is not exported (then left out of the shape). */
  logs?: ReceivedLog[];
  metrics?: ReceivedMetricPoint[];
}

/** What this run emitted, as a contract. */
export function shapeOf({ traced, spans, logs, metrics }: ShapeInput): TelemetryContract {
  const routes = traced.map(({ route, request, traceId }): RouteShape => {
    const server = spans.find((s) => s.traceId === traceId && s.kind === 'SERVER');
    const shape: RouteShape = { method: route.method, path: route.path, status: request.status };
    if (!server) return shape;
    const children = spans.filter((s) => s.traceId === traceId && s.parentSpanId === server.spanId);
    return { ...shape, server: spanShape(server), children: mergeSpans(children) };
  });
  const byMetric = new Map<string, MetricShape>();
  for (const m of metrics ?? []) {
    const seen = byMetric.get(m.name);
    const keys = [...(seen?.attributes ?? []), ...Object.keys(m.attributes)];
    byMetric.set(m.name, { name: m.name, unit: m.unit, attributes: sorted(keys) });
  }
  const traces = new Set(traced.map((t) => t.traceId));
  return {
    version: 1,
    routes,
    resource: sorted(spans.flatMap((s) => Object.keys(s.resource))),
    ...(metrics ? { metrics: [...byMetric.values()].sort((a, b) => a.name.localeCompare(b.name)) } : {}),
    ...(logs ? { logs: { traceContext: logs.some((l) => traces.has(l.traceId)) } } : {}),
  };
}

// An id in a span name makes one name per request: a number, a UUID, a long hex token.
const ID_TOKEN = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,})$/i;

/** The part of a span name that is an id, if any ("GET /items/42" → "42"). */
export function idInName(name: string): string | undefined {
  return name.split(/[\s/?&=:,;.]+/).find((token) => ID_TOKEN.test(token) && /\d/.test(token));
}

export const routeLabel = (r: ContractRoute) => `${r.method} ${r.path}`;

const quote = (s: SpanShape) => `"${s.name}" (${s.kind})`;

function lostKeys(what: string, recorded: string[], now: string[]): string[] {
  const lost = recorded.filter((k) => !now.includes(k));
  return lost.length > 0 ? [`${what} lost attribute${lost.length > 1 ? 's' : ''} ${lost.join(', ')}`] : [];
}

function newKeys(what: string, recorded: string[], now: string[]): string[] {
  const added = now.filter((k) => !recorded.includes(k));
  return added.length > 0 ? [`${what} has new attribute${added.length > 1 ? 's' : ''} ${added.join(', ')}`] : [];
}

interface Delta {
  changed: string[];
  added: string[];
}

/** The children: one gone and one new is a rename; matched ones compared key by key. */
function childrenDelta(recorded: SpanShape[], now: SpanShape[]): Delta {
  const same = (a: SpanShape, b: SpanShape) => a.name === b.name && a.kind === b.kind;
  const gone = recorded.filter((r) => !now.some((n) => same(r, n)));
  const fresh = now.filter((n) => !recorded.some((r) => same(r, n)));
  const changed: string[] = [];
  const added: string[] = [];
  if (gone.length === 1 && fresh.length === 1)
    changed.push(`child span renamed ${quote(gone[0]!)} → ${quote(fresh[0]!)}`);
  else {
    changed.push(...gone.map((g) => `child span ${quote(g)} is gone`));
    added.push(...fresh.map((f) => `new child span ${quote(f)}`));
  }
  for (const r of recorded) {
    const n = now.find((x) => same(r, x));
    if (!n) continue;
    changed.push(...lostKeys(`child "${r.name}"`, r.attributes, n.attributes));
    added.push(...newKeys(`child "${r.name}"`, r.attributes, n.attributes));
  }
  return { changed, added };
}

function routeDelta(recorded: RouteShape, now: RouteShape | undefined): Delta {
  if (!recorded.server) return { changed: ['not recorded yet: run smoke --update to record its shape'], added: [] };
  if (!now?.server) return { changed: [`no server span arrived (recorded ${quote(recorded.server)})`], added: [] };
  const changed: string[] = [];
  const added: string[] = [];
  if (now.status !== recorded.status) changed.push(`answered ${now.status}, recorded ${recorded.status}`);
  const r = recorded.server;
  const n = now.server;
  if (r.name !== n.name) changed.push(`server span renamed "${r.name}" → "${n.name}"`);
  if (r.kind !== n.kind) changed.push(`server span kind ${r.kind} → ${n.kind}`);
  changed.push(...lostKeys('server span', r.attributes, n.attributes));
  added.push(...newKeys('server span', r.attributes, n.attributes));
  const children = childrenDelta(recorded.children ?? [], now.children ?? []);
  return { changed: [...changed, ...children.changed], added: [...added, ...children.added] };
}

/** Span names that hold an id, per route: a failure whether or not a contract was recorded. */
export function idFindings(route: RouteShape | undefined): string[] {
  if (!route?.server) return [];
  return [route.server, ...(route.children ?? [])].flatMap((s) => {
    const id = idInName(s.name);
    return id ? [`span name "${s.name}" holds an id (${id}): one name per request (high cardinality)`] : [];
  });
}

const DIAGNOSIS =
  'the telemetry changed shape: a dashboard, alert or query on the old names or keys no longer matches. Fix the instrumentation, or accept the new shape with `smoke --update` (and review the diff of telemetry-contract.json)';

function deltaCheck(name: string, delta: Delta, diagnosis = DIAGNOSIS): SmokeCheck {
  const ok = delta.changed.length === 0;
  const detail = ok
    ? `as recorded${delta.added.length > 0 ? `; ${delta.added.join('; ')} (smoke --update records them)` : ''}`
    : [...delta.changed, ...delta.added].join('; ');
  return check(name, ok, detail, diagnosis);
}

function metricsDelta(recorded: MetricShape[], now: MetricShape[]): Delta {
  const changed: string[] = [];
  const added: string[] = [];
  for (const r of recorded) {
    const n = now.find((m) => m.name === r.name);
    if (!n) changed.push(`${r.name} (${r.unit}) is gone`);
    else {
      if (n.unit !== r.unit) changed.push(`${r.name} unit ${r.unit} → ${n.unit}`);
      changed.push(...lostKeys(r.name, r.attributes, n.attributes));
    }
  }
  added.push(...now.filter((n) => !recorded.some((r) => r.name === n.name)).map((n) => `new metric ${n.name}`));
  return { changed, added };
}

/** The contract checks: one per route, then resource, metrics and logs. */
export function compareContract(recorded: TelemetryContract, now: TelemetryContract): SmokeCheck[] {
  const checks = recorded.routes.map((r) => {
    const current = now.routes.find((n) => n.method === r.method && n.path === r.path);
    const delta = routeDelta(r, current);
    delta.changed.push(...idFindings(current));
    return deltaCheck(`contract: ${routeLabel(r)}`, delta);
  });
  checks.push(
    deltaCheck('contract: resource', {
      changed: lostKeys('resource', recorded.resource, now.resource),
      added: newKeys('resource', recorded.resource, now.resource),
    }),
  );
  if (recorded.metrics) checks.push(deltaCheck('contract: metrics', metricsDelta(recorded.metrics, now.metrics ?? [])));
  if (recorded.logs?.traceContext)
    checks.push(
      check(
        'contract: logs carry the trace',
        now.logs?.traceContext === true,
        now.logs?.traceContext
          ? 'log records written in a request carry its trace'
          : 'no log record written in a request carries its trace any more',
        'the logging bridge lost the span context: see the log check above',
      ),
    );
  return checks;
}
