/** Accumulates received spans for all transports and lets callers subscribe or wait for a count. */
import type { ReceivedSpan, Transport } from './model.js';

export interface RequestRecord {
  transport: Transport;
  spanCount: number;
  atMs: number;
}

export type SpansListener = (batch: ReceivedSpan[]) => void;

interface Waiter {
  count: number;
  settle: (reached: boolean) => void;
}

export class SpanStore {
  readonly spans: ReceivedSpan[] = [];
  readonly requests: RequestRecord[] = [];
  private readonly listeners = new Set<SpansListener>();
  private readonly waiters = new Set<Waiter>();
  private closed = false;

  /** Records one export request. Arrow function: handed to the transports as a callback. */
  readonly ingest = (transport: Transport, batch: ReceivedSpan[], atMs: number): void => {
    this.spans.push(...batch);
    this.requests.push({ transport, spanCount: batch.length, atMs });
    for (const listener of [...this.listeners]) {
      try {
        listener(batch);
      } catch (err) {
        // A faulty listener must not turn into an export error (the exporter would retry).
        process.emitWarning(`receiver onSpans listener threw: ${String(err)}`);
      }
    }
    for (const w of [...this.waiters]) if (this.spans.length >= w.count) w.settle(true);
  };

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
  }
}
