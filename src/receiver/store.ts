/** Accumulates what the transports receive, per signal, and lets callers subscribe or wait for a count. */
import type { ReceivedLog, ReceivedMetricPoint, ReceivedSpan, SignalName, Transport } from './model.js';
import type { Batch } from './signals.js';

export interface RequestRecord {
  transport: Transport;
  signal: SignalName;
  /** Items in the request (spans, log records or metric data points). */
  spanCount: number;
  atMs: number;
}

export type SpansListener = (batch: ReceivedSpan[]) => void;

interface Waiter {
  count: number;
  settle: (reached: boolean) => void;
}

/** Appends without spreading: `push(...items)` overflows the call stack for a large enough batch. */
function append<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

export class SpanStore {
  readonly spans: ReceivedSpan[] = [];
  readonly logs: ReceivedLog[] = [];
  readonly metrics: ReceivedMetricPoint[] = [];
  readonly requests: RequestRecord[] = [];
  /**
   * Requests refused for lacking the run's header (another process exporting to the same port): counted,
   * never read.
   */
  readonly ignored: Record<SignalName, number> = { traces: 0, metrics: 0, logs: 0 };
  private readonly listeners = new Set<SpansListener>();
  private readonly batchListeners = new Set<(batch: Batch) => void>();
  private readonly waiters = new Set<Waiter>();
  private closed = false;

  /** `retain` false: the arrays stay empty, batches only reach the listeners. */
  constructor(private readonly retain = true) {}

  /** Records one accepted export request (the intake has checked it against the run's caps). */
  ingest(batch: Batch): void {
    this.notify(this.batchListeners, batch);
    if (!this.retain) {
      if (batch.signal === 'traces') this.notify(this.listeners, batch.items as ReceivedSpan[]);
      return;
    }
    this.requests.push({
      transport: batch.transport,
      signal: batch.signal,
      spanCount: batch.items.length,
      atMs: batch.atMs,
    });
    if (batch.signal === 'logs') append(this.logs, batch.items as ReceivedLog[]);
    if (batch.signal === 'metrics') append(this.metrics, batch.items as ReceivedMetricPoint[]);
    if (batch.signal !== 'traces') return;
    const spans = batch.items as ReceivedSpan[];
    append(this.spans, spans);
    this.notify(this.listeners, spans);
    for (const w of [...this.waiters]) if (this.spans.length >= w.count) w.settle(true);
  }

  private notify<T>(listeners: Set<(value: T) => void>, value: T): void {
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (err) {
        // A faulty listener must not turn into an export error (the exporter would retry).
        process.emitWarning(`receiver listener threw: ${String(err)}`);
      }
    }
  }

  onBatch(listener: (batch: Batch) => void): () => void {
    const entry = (batch: Batch) => listener(batch);
    this.batchListeners.add(entry);
    return () => {
      this.batchListeners.delete(entry);
    };
  }

  onSpans(listener: SpansListener): () => void {
    // Wrap so the same function can be subscribed twice and each unsubscribe removes one.
    const entry: SpansListener = (batch) => listener(batch);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  waitForSpans(count: number, timeoutMs: number): Promise<boolean> {
    if (this.spans.length >= count) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        count,
        settle: (reached) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => waiter.settle(this.spans.length >= count), Math.max(0, timeoutMs));
      this.waiters.add(waiter);
    });
  }

  /** No more spans can arrive: settle pending waits now instead of letting them time out. */
  close(): void {
    this.closed = true;
    for (const w of [...this.waiters]) w.settle(this.spans.length >= w.count);
    this.listeners.clear();
    this.batchListeners.clear();
  }
}
