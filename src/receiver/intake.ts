/**
 * The gate both transports pass a request through, in the order that keeps refusals cheap: the run's header
 * (before any of the body is read), the run's remaining budget, then the body counted before it is decoded,
 * decoded, and charged to the run.
 */
import { timingSafeEqual } from 'node:crypto';
import type { DecodeContext } from './decode.js';
import { LimitError, type ReceiverLimits } from './limits.js';
import type { SignalName, Transport } from './model.js';
import { scanJson, scanProtobuf } from './precount.js';
import { type Batch, CODECS } from './signals.js';
import type { SpanStore } from './store.js';

/** A header every request must carry to count (a per-run secret). */
export interface RequiredHeader {
  /** Lowercase header (gRPC metadata) name. */
  name: string;
  value: string;
}

export class Intake {
  /** Items kept so far this run, an empty request counting as one. */
  private items = 0;
  private bytes = 0;

  constructor(
    private readonly store: SpanStore,
    readonly limits: ReceiverLimits,
    readonly required?: RequiredHeader,
  ) {}

  /**
   * Whether the request's value(s) of the required header (`header` looks them up by lowercase name) hold
   * the run's secret. A request without it is counted as foreign, and is to be refused unread.
   */
  authorize(signal: SignalName, header: (name: string) => unknown): boolean {
    if (!this.required) return true;
    const expected = Buffer.from(this.required.value);
    const values = header(this.required.name);
    const ok = (Array.isArray(values) ? values : [values]).some((v) => {
      if (typeof v !== 'string' && !Buffer.isBuffer(v)) return false;
      const got = Buffer.from(v);
      return got.length === expected.length && timingSafeEqual(got, expected);
    });
    if (!ok) this.store.ignored[signal]++;
    return ok;
  }

  /** Throws LimitError('run') once the run holds all it may: refused on its headers, its body never read. */
  admit(): void {
    if (this.items >= this.limits.maxRunItems) {
      throw new LimitError('run', `this run already holds ${this.limits.maxRunItems} items, the most it keeps`);
    }
    if (this.bytes >= this.limits.maxRunBytes) {
      throw new LimitError('run', `this run already received ${this.limits.maxRunBytes} bytes, the most it keeps`);
    }
  }

  /** Counts, decodes and stores one decoded body; throws LimitError or OtlpDecodeError and stores nothing then. */
  accept(signal: SignalName, transport: Transport, format: 'protobuf' | 'json', body: Buffer): void {
    this.admit();
    const atMs = Date.now();
    const ctx: DecodeContext = { transport, receivedAtMs: atMs };
    const codec = CODECS[signal];
    let items: Batch['items'];
    if (format === 'protobuf') {
      // Refused before decoding when the count alone is too many (the scan counts exactly what decodes).
      this.charge(scanProtobuf(body, signal, this.limits), body.length, false);
      items = codec.protobuf(body, ctx);
    } else {
      scanJson(body, this.limits); // bounds what parsing builds; the items are known once decoded
      items = codec.json(body.toString('utf8'), ctx);
    }
    this.charge(items.length, body.length, true);
    this.store.ingest({ signal, transport, items, atMs });
  }

  /** Checks that `count` items and `size` bytes still fit in the run; with `commit`, takes them. */
  private charge(count: number, size: number, commit: boolean): void {
    const cost = Math.max(1, count);
    if (this.items + cost > this.limits.maxRunItems) {
      throw new LimitError(
        'run',
        `${count} more items would take this run past ${this.limits.maxRunItems}, the most it keeps`,
      );
    }
    if (this.bytes + size > this.limits.maxRunBytes) {
      throw new LimitError('run', `${size} more bytes would take this run past ${this.limits.maxRunBytes}`);
    }
    if (!commit) return;
    this.items += cost;
    this.bytes += size;
  }
}
