/// <reference lib="dom" />
/** The page's side of the view server's JSON API: shapes as served (nanoseconds as decimal strings). */
import type { Hint } from '../hints.js';
import type { RouteStat } from '../metrics.js';
import type { TraceSummary } from '../store.js';

export type { Hint, RouteStat, TraceSummary };

export type Attr = string | number | boolean | null | Attr[] | { [k: string]: Attr };
export type Attrs = Record<string, Attr>;

export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Attrs;
  status: { code: string; message: string };
  events: { name: string; timeUnixNano: string; attributes: Attrs }[];
  links: { traceId: string; spanId: string; attributes: Attrs }[];
  resource: Attrs;
  scope: { name: string; version: string };
}

export interface Log {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body: Attr;
  attributes: Attrs;
  traceId: string;
  spanId: string;
  resource: Attrs;
}

export interface Stats {
  spans: number;
  traces: number;
  logs: number;
  dropped: { spans: number; logs: number };
  caps: { maxSpans: number; maxLogs: number };
}

export interface Overview {
  stats: Stats;
  facets: { services: string[]; routes: string[] };
  routes: RouteStat[];
  /** Hints about a service rather than one trace. */
  hints: Hint[];
}

export interface Filters {
  service: string;
  route: string;
  status: string;
  errors: boolean;
  minMs: string;
  traceId: string;
}

export const NO_FILTERS: Filters = { service: '', route: '', status: '', errors: false, minMs: '', traceId: '' };

async function get<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as T;
}

export function tracesUrl(f: Filters): string {
  const q = new URLSearchParams();
  if (f.service) q.set('service', f.service);
  if (f.route) q.set('route', f.route);
  if (f.status) q.set('status', f.status);
  if (f.errors) q.set('errors', '1');
  if (f.minMs) q.set('minMs', f.minMs);
  if (f.traceId) q.set('traceId', f.traceId);
  return `/api/traces?${q}`;
}

export const fetchTraces = (f: Filters) => get<{ traces: TraceSummary[]; matched: number }>(tracesUrl(f));
export const fetchOverview = () => get<Overview>('/api/overview');
export const fetchTrace = (id: string) =>
  get<{ summary: TraceSummary; spans: Span[]; logs: Log[] }>(`/api/traces/${encodeURIComponent(id)}`);

/** Any attribute value as one line of text (the page shows every value as text, never as markup). */
export function text(v: Attr | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function formatMs(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A hint as one line of text: what is wrong, then what to change. */
export const hintText = (h: Hint): string => `${h.message}. Fix: ${h.fix}`;

/** Nanoseconds (a decimal string) to milliseconds, exact enough for display. */
export const nanosToMs = (nanos: string): number => Number(BigInt(nanos) / 1000n) / 1000;
