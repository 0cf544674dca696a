/**
 * Per-route request rate and latency percentiles from the services' http.server.request.duration histograms
 * (and the older http.server.duration, in ms), explicit or exponential, whichever temporality they are
 * exported with.
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
  /** Exponential histograms: counts by bucket index at GRID_SCALE, and the zero bucket's count. */
  grid: Map<number, number>;
  zero: number;
  /** Seconds per unit of the metric (its grid is kept in that unit). */
  unit: number;
  /** (time ms, running count) samples for the rate, the last minute. */
  samples: { atMs: number; count: number }[];
}

const METRICS: Record<string, number> = { 'http.server.request.duration': 1, 'http.server.duration': 0.001 };
const RATE_WINDOW_MS = 60_000;
/** Distinct (service, route, method, status) series held; a service with ids in its routes stops here. */
const MAX_SERIES = 2000;

/**
 * Exponential histograms of any scale are counted on one grid, so that series and points of different scales
 * add up: bucket i holds values in (2^(i/8), 2^((i+1)/8)], about 9 % wide. A finer point is folded exactly; a
 * coarser one's bucket is counted in the grid bucket at its top.
 */
const GRID_SCALE = 3;

function gridOf(p: ReceivedMetricPoint): Map<number, number> {
  const grid = new Map<number, number>();
  const scale = p.scale ?? 0;
  const offset = p.positive?.offset ?? 0;
  (p.positive?.bucketCounts ?? []).forEach((c, k) => {
    const i = offset + k;
    const g = scale >= GRID_SCALE ? i >> (scale - GRID_SCALE) : (i + 1) * 2 ** (GRID_SCALE - scale) - 1;
    grid.set(g, (grid.get(g) ?? 0) + Number(c));
  });
  return grid;
}

function addGrid(into: Map<number, number>, from: ReadonlyMap<number, number>): Map<number, number> {
  for (const [g, c] of from) into.set(g, (into.get(g) ?? 0) + c);
  return into;
}

/** A grid as explicit bounds and buckets for quantile(): the zero bucket, then the grid's range. */
function gridBuckets(zero: number, grid: ReadonlyMap<number, number>): { bounds: number[]; buckets: number[] } {
  if (grid.size === 0) return { bounds: [0], buckets: [zero, 0] };
  const indices = [...grid.keys()];
  const low = Math.min(...indices);
  const high = Math.max(...indices);
  const bounds = [0];
  const buckets = [zero, 0];
  for (let g = low; g <= high; g++) {
    bounds.push(2 ** (g / 2 ** GRID_SCALE));
    buckets.push(grid.get(g) ?? 0);
  }
  bounds.push(2 ** ((high + 1) / 2 ** GRID_SCALE));
  buckets.push(0);
  return { bounds, buckets };
}

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

/** A route's row while its series are added up. */
interface Row extends Pick<Series, 'bounds' | 'buckets' | 'grid' | 'zero' | 'unit'> {
  stat: RouteStat;
}

const noGrid = (s: Series) => ({ grid: new Map<number, number>(), zero: 0, unit: s.unit });

export class RouteMetrics {
  private readonly series = new Map<string, Series>();

  add(points: readonly ReceivedMetricPoint[]): void {
    for (const p of points) {
      const scale = METRICS[p.name];
      if (scale === undefined || (p.type !== 'histogram' && p.type !== 'exponentialHistogram')) continue;
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
          grid: new Map(),
          zero: 0,
          unit: scale,
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
      if (p.type === 'histogram') {
        s.bounds = (p.explicitBounds ?? []).map((b) => b * scale);
        s.buckets =
          delta && s.buckets.length === counts.length ? s.buckets.map((c, i) => c + (counts[i] ?? 0)) : counts;
      } else {
        s.grid = delta ? addGrid(s.grid, gridOf(p)) : gridOf(p);
        s.zero = (delta ? s.zero : 0) + Number(p.zeroCount ?? 0n);
      }
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
    const rows = new Map<string, Row>();
    for (const s of this.series.values()) {
      const key = JSON.stringify([s.service, s.route]);
      let row = rows.get(key);
      if (!row) {
        row = { stat: { service: s.service, route: s.route, count: 0 }, bounds: s.bounds, buckets: [], ...noGrid(s) };
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
      addGrid(row.grid, s.grid);
      row.zero += s.zero;
    }
    return [...rows.values()]
      .map(({ stat, bounds, buckets, grid, zero, unit }) => {
        // A route measured with exponential histograms only: its grid, in the metric's own unit.
        const expo = buckets.length === 0 && (grid.size > 0 || zero > 0) ? gridBuckets(zero, grid) : undefined;
        const pct = (q: number) => {
          if (!expo) return quantile(q, bounds, buckets);
          const v = quantile(q, expo.bounds, expo.buckets);
          return v === undefined ? undefined : v * unit;
        };
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
