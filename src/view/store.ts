/**
 * What the live view holds: spans grouped into traces and log records by trace, both capped, the oldest
 * dropped first (and counted), so that a viewer left running for days keeps a bounded heap.
 */
import type { AttrValue, Batch, ReceivedLog, ReceivedMetricPoint, ReceivedSpan } from '../receiver/index.js';
import {
  type Hint,
  httpStatusOf,
  type LogTraceCounts,
  logHints,
  serviceOf,
  traceHints,
  untracedDuringRequests,
} from './hints.js';
import { RouteMetrics } from './metrics.js';

export interface ViewCaps {
  /** Spans held, all traces together. */
  maxSpans: number;
  /** Log records held. */
  maxLogs: number;
}

/** 100,000 spans of a typical web service (a few attributes each) take well under 300 MB. */
export const DEFAULT_CAPS: Readonly<ViewCaps> = Object.freeze({ maxSpans: 100_000, maxLogs: 50_000 });

export interface TraceSummary {
  traceId: string;
  /** The root span's service (or the first span's when the root has not arrived). */
  service: string;
  services: string[];
  name: string;
  route: string;
  method: string;
  /** HTTP status of the server span, 0 when none. */
  httpStatus: number;
  error: boolean;
  /** ms since the epoch. */
  startMs: number;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  logCount: number;
  /** Date.now() of the last span that arrived for it: the list's order. */
  updatedMs: number;
  /** What doctor would say of its spans. */
  hints: Hint[];
}

export interface TraceFilter {
  service?: string;
  route?: string;
  /** An HTTP status ('404') or class ('5xx'). */
  status?: string;
  errorsOnly?: boolean;
  minDurationMs?: number;
  /** A prefix of the trace id. */
  traceId?: string;
  limit?: number;
}

interface TraceEntry {
  traceId: string;
  spans: ReceivedSpan[];
  updatedMs: number;
  summary?: TraceSummary;
}

/** A first-in first-out queue that drops from its head without shifting the array each time. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    // Compact once the dropped part is half of the array: amortised O(1).
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  all(): T[] {
    return this.items.slice(this.head);
  }
}

const str = (v: AttrValue | undefined): string => (typeof v === 'string' ? v : v === undefined ? '' : String(v));
const ms = (nanos: bigint): number => Number(nanos / 1000n) / 1000;

function isError(span: ReceivedSpan): boolean {
  return span.status.code === 'ERROR' || (span.kind === 'SERVER' && httpStatusOf(span) >= 500);
}

function summarize(entry: TraceEntry, logCount: number): TraceSummary {
  const ids = new Set(entry.spans.map((s) => s.spanId));
  const root =
    entry.spans.find((s) => !s.parentSpanId) ?? entry.spans.find((s) => !ids.has(s.parentSpanId)) ?? entry.spans[0];
  const server = entry.spans.find((s) => s.kind === 'SERVER') ?? root;
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  let errorCount = 0;
  for (const s of entry.spans) {
    start = Math.min(start, ms(s.startTimeUnixNano));
    end = Math.max(end, ms(s.endTimeUnixNano));
    if (isError(s)) errorCount++;
  }
  return {
    traceId: entry.traceId,
    service: root ? serviceOf(root.resource) : '',
    services: [...new Set(entry.spans.map((s) => serviceOf(s.resource)))],
    name: root?.name ?? '',
    route: server ? str(server.attributes['http.route']) : '',
    method: server ? str(server.attributes['http.request.method'] ?? server.attributes['http.method']) : '',
    httpStatus: server ? httpStatusOf(server) : 0,
    error: errorCount > 0,
    startMs: Number.isFinite(start) ? start : 0,
    durationMs: Number.isFinite(start) ? Math.max(0, end - start) : 0,
    spanCount: entry.spans.length,
    errorCount,
    logCount,
    updatedMs: entry.updatedMs,
    hints: traceHints(entry.spans),
  };
}

function statusMatches(status: number, wanted: string): boolean {
  const w = wanted.trim().toLowerCase();
  if (/^[1-5]xx$/.test(w)) return Math.floor(status / 100) === Number(w[0]);
  return String(status) === w;
}

function matches(s: TraceSummary, f: TraceFilter): boolean {
  if (f.service && !s.services.includes(f.service)) return false;
  if (f.route && s.route !== f.route) return false;
  if (f.status && !statusMatches(s.httpStatus, f.status)) return false;
  if (f.errorsOnly && !s.error) return false;
  if (f.minDurationMs !== undefined && s.durationMs < f.minDurationMs) return false;
  if (f.traceId && !s.traceId.startsWith(f.traceId.trim().toLowerCase())) return false;
  return true;
}

export class ViewStore {
  private readonly traces = new Map<string, TraceEntry>();
  private readonly spans = new Fifo<ReceivedSpan>();
  private readonly logs = new Fifo<ReceivedLog>();
  private readonly logsByTrace = new Map<string, ReceivedLog[]>();
  /** Per service, held log records with and without a trace. */
  private readonly logTraces = new Map<string, LogTraceCounts>();
  readonly metrics = new RouteMetrics();
  readonly dropped = { spans: 0, logs: 0 };
  readonly caps: ViewCaps;
  private readonly listeners = new Set<() => void>();

  constructor(caps: Partial<ViewCaps> = {}) {
    this.caps = { ...DEFAULT_CAPS, ...caps };
  }

  /** Takes one received batch; listeners hear of it once it is in. */
  add(batch: Pick<Batch, 'signal' | 'items'>): void {
    if (batch.signal === 'traces') for (const span of batch.items as ReceivedSpan[]) this.addSpan(span);
    else if (batch.signal === 'logs') for (const log of batch.items as ReceivedLog[]) this.addLog(log);
    else this.metrics.add(batch.items as ReceivedMetricPoint[]);
    for (const listener of this.listeners) listener();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private addSpan(span: ReceivedSpan): void {
    let entry = this.traces.get(span.traceId);
    if (!entry) {
      entry = { traceId: span.traceId, spans: [], updatedMs: 0 };
      this.traces.set(span.traceId, entry);
    }
    entry.spans.push(span);
    entry.updatedMs = Date.now();
    entry.summary = undefined;
    this.spans.push(span);
    while (this.spans.size > this.caps.maxSpans) this.dropOldestSpan();
  }

  private dropOldestSpan(): void {
    const oldest = this.spans.shift();
    if (!oldest) return;
    this.dropped.spans++;
    const entry = this.traces.get(oldest.traceId);
    if (!entry) return;
    // The oldest span of all is the oldest of its trace, so it is first in the trace's own list.
    if (entry.spans[0] === oldest) entry.spans.shift();
    else entry.spans = entry.spans.filter((s) => s !== oldest);
    entry.summary = undefined;
    if (entry.spans.length === 0) this.traces.delete(oldest.traceId);
  }

  private countLog(log: ReceivedLog, by: 1 | -1): void {
    const service = serviceOf(log.resource);
    const counts = this.logTraces.get(service) ?? { traced: 0, untraced: 0 };
    if (log.traceId) counts.traced += by;
    else counts.untraced += by;
    if (counts.traced + counts.untraced > 0) this.logTraces.set(service, counts);
    else this.logTraces.delete(service);
  }

  private addLog(log: ReceivedLog): void {
    this.logs.push(log);
    this.countLog(log, 1);
    if (log.traceId) {
      const list = this.logsByTrace.get(log.traceId) ?? [];
      this.logsByTrace.set(log.traceId, list);
      list.push(log);
      const entry = this.traces.get(log.traceId);
      if (entry) entry.summary = undefined;
    }
    while (this.logs.size > this.caps.maxLogs) {
      const oldest = this.logs.shift();
      if (!oldest) break;
      this.dropped.logs++;
      this.countLog(oldest, -1);
      const list = this.logsByTrace.get(oldest.traceId);
      if (!list) continue;
      list.shift();
      if (list.length === 0) this.logsByTrace.delete(oldest.traceId);
    }
  }

  private summaryOf(entry: TraceEntry): TraceSummary {
    entry.summary ??= summarize(entry, this.logsByTrace.get(entry.traceId)?.length ?? 0);
    return entry.summary;
  }

  /** Traces matching `filter`, the most recently updated first (of those updated at once, the latest started). */
  list(filter: TraceFilter = {}): { traces: TraceSummary[]; matched: number } {
    const limit = filter.limit ?? 200;
    const out: TraceSummary[] = [];
    let matched = 0;
    const summaries = [...this.traces.values()]
      .map((entry) => this.summaryOf(entry))
      .sort((a, b) => b.updatedMs - a.updatedMs || b.startMs - a.startMs);
    for (const summary of summaries) {
      if (!matches(summary, filter)) continue;
      matched++;
      if (out.length < limit) out.push(summary);
    }
    return { traces: out, matched };
  }

  trace(traceId: string): { summary: TraceSummary; spans: ReceivedSpan[]; logs: ReceivedLog[] } | undefined {
    const entry = this.traces.get(traceId);
    if (!entry) return undefined;
    return { summary: this.summaryOf(entry), spans: entry.spans, logs: this.logsByTrace.get(traceId) ?? [] };
  }

  /**
   * Hints that concern a service rather than one trace: its log records written during requests without a
   * trace. Only a service none of whose held records carries a trace is looked into (one that has some is
   * wired; those without are start-up or background work), so a wired service costs nothing here.
   */
  serviceHints(): Hint[] {
    const suspects = new Set([...this.logTraces].filter(([, c]) => c.traced === 0).map(([service]) => service));
    if (suspects.size === 0) return [];
    return logHints(untracedDuringRequests(this.spans.all(), this.logs.all(), suspects));
  }

  /** The values the page's filters offer. */
  facets(): { services: string[]; routes: string[] } {
    const services = new Set<string>();
    const routes = new Set<string>();
    for (const entry of this.traces.values()) {
      const s = this.summaryOf(entry);
      for (const name of s.services) services.add(name);
      if (s.route) routes.add(s.route);
    }
    return { services: [...services].sort(), routes: [...routes].sort() };
  }

  stats() {
    return {
      spans: this.spans.size,
      traces: this.traces.size,
      logs: this.logs.size,
      dropped: { ...this.dropped },
      caps: this.caps,
    };
  }
}
