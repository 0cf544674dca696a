/**
 * Per-route request rate and latency percentiles from the services' http.server.request.duration histograms
 * (and the older http.server.duration, in ms), whichever temporality they are exported with.
 */
import type { AttrValue, ReceivedMetricPoint } from '../receiver/index.js';

export interface RouteStat {
  service: string;
  route: string;
  /** Requests measured so far. */
  count: number;
  /**
   * Requests per second over the last minute of points (the first point alone: over the interval it covers);
   * undefined while no interval is measurable.
   */
  rate?: number;
  /** Seconds; undefined until a histogram with buckets arrived. */
  p50?: number;
  p95?: number;
  p99?: number;
}

interface Series {
  service: string;
  route: string;
  /** Running totals: a cumulative series' latest point, a delta series' sum of points. */
  count: number;
  bounds: number[];
  buckets: number[];
  /** (time ms, running count) samples for the rate, the last minute. */
  samples: { atMs: number; count: number }[];
}

const METRICS: Record<string, number> = { 'http.server.request.duration': 1, 'http.server.duration': 0.001 };
const RATE_WINDOW_MS = 60_000;
/** Distinct (service, route, method, status) series held; a service with ids in its routes stops here. */
const MAX_SERIES = 2000;

const str = (v: AttrValue | undefined): string => (typeof v === 'string' ? v : '');

function seriesKey(p: ReceivedMetricPoint): string {
  const a = p.attributes;
  return JSON.stringify([
    str(p.resource['service.name']),
    str(a['http.route']),
    str(a['http.request.method'] ?? a['http.method']),
    String(a['http.response.status_code'] ?? a['http.status_code'] ?? ''),
    // Workers of one service each export their own cumulative series.
    String(p.resource['service.instance.id'] ?? ''),
  ]);
}

/** The q-quantile of a histogram by linear interpolation inside its bucket (as Prometheus does). */
export function quantile(q: number, bounds: readonly number[], buckets: readonly number[]): number | undefined {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const inBucket = buckets[i] ?? 0;
    if (seen + inBucket >= rank && inBucket > 0) {
      const lower = i === 0 ? 0 : (bounds[i - 1] ?? 0);
      // The overflow bucket has no upper bound: its lower bound is the best estimate.
      const upper = bounds[i] ?? lower;
      return lower + (upper - lower) * ((rank - seen) / inBucket);
    }
    seen += inBucket;
  }
  return bounds[bounds.length - 1];
}

export class RouteMetrics {
  private readonly series = new Map<string, Series>();

  add(points: readonly ReceivedMetricPoint[]): void {
    for (const p of points) {
      const scale = METRICS[p.name];
      if (scale === undefined || p.type !== 'histogram') continue;
      const key = seriesKey(p);
      let s = this.series.get(key);
      if (!s) {
        if (this.series.size >= MAX_SERIES) continue;
        s = {
          service: str(p.resource['service.name']),
          route: str(p.attributes['http.route']),
          count: 0,
          bounds: [],
          buckets: [],
          samples: [],
        };
        this.series.set(key, s);
      }
      const counts = (p.bucketCounts ?? []).map(Number);
      const delta = p.temporality === 'DELTA';
      // A cumulative count that went down: the service restarted (a reload), its series starts over.
      if (!delta && Number(p.count ?? 0n) < s.count) s.samples = [];
      const before = delta ? s.count : 0;
      s.count = delta ? s.count + Number(p.count ?? 0n) : Number(p.count ?? 0n);
      s.bounds = (p.explicitBounds ?? []).map((b) => b * scale);
      s.buckets = delta && s.buckets.length === counts.length ? s.buckets.map((c, i) => c + (counts[i] ?? 0)) : counts;
      const atMs = Number(p.timeUnixNano / 1_000_000n);
      // A series' first point counts from its start time (a delta point's interval, a cumulative one's whole
      // life), so the rate is known from the first export rather than the second.
      const startMs = Number(p.startTimeUnixNano / 1_000_000n);
      if (s.samples.length === 0 && startMs > 0 && startMs < atMs) s.samples.push({ atMs: startMs, count: before });
      s.samples.push({ atMs, count: s.count });
      while (s.samples.length > 2 && (s.samples[0]?.atMs ?? atMs) < atMs - RATE_WINDOW_MS) s.samples.shift();
    }
  }

  /** One row per (service, route), the busiest first. */
  routes(): RouteStat[] {
    const rows = new Map<string, { stat: RouteStat; bounds: number[]; buckets: number[] }>();
    for (const s of this.series.values()) {
      const key = JSON.stringify([s.service, s.route]);
      let row = rows.get(key);
      if (!row) {
        row = { stat: { service: s.service, route: s.route, count: 0 }, bounds: s.bounds, buckets: [] };
        rows.set(key, row);
      }
      row.stat.count += s.count;
      const first = s.samples[0];
      const last = s.samples[s.samples.length - 1];
      if (first && last && last.atMs > first.atMs)
        row.stat.rate = (row.stat.rate ?? 0) + ((last.count - first.count) * 1000) / (last.atMs - first.atMs);
      // Series of one route share their bounds (one instrument); a series with other bounds is left out.
      if (s.bounds.length === row.bounds.length && s.bounds.every((b, i) => b === row.bounds[i]))
        row.buckets = s.buckets.map((c, i) => c + (row.buckets[i] ?? 0));
    }
    return [...rows.values()]
      .map(({ stat, bounds, buckets }) => {
        const pct = (q: number) => quantile(q, bounds, buckets);
        const p50 = pct(0.5);
        const p95 = pct(0.95);
        const p99 = pct(0.99);
        return {
          ...stat,
          ...(p50 === undefined ? {} : { p50 }),
          ...(p95 === undefined ? {} : { p95 }),
          ...(p99 === undefined ? {} : { p99 }),
        };
      })
      .sort((a, b) => b.count - a.count);
  }
}
