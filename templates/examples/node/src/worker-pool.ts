/**
 * A small pool of worker threads. A worker has its own event loop and none of this thread's context, so
 * the trace context is carried explicitly: injected into the message as W3C headers here, extracted in
 * the worker (worker.ts). Workers start without the SDK (execArgv: []): a second SDK per thread would
 * need its own flush on shutdown; the job is traced here, around the round trip, and the worker hands
 * back the context it received so that anything it logs or calls can carry it on.
 */
import { context, propagation } from '@opentelemetry/api';
import { Worker } from 'node:worker_threads';

export interface WorkerResult {
  result: number;
  /** The trace and parent span the worker extracted from the message. */
  traceId: string;
  parentSpanId: string;
}

interface Job {
  input: number;
  resolve: (value: WorkerResult) => void;
  reject: (error: Error) => void;
}

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly all: Worker[] = [];

  constructor(size = 2) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { execArgv: [] });
      worker.unref();
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  /** Runs one job on a free worker, with the caller's trace context. */
  run(input: number): Promise<WorkerResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    const worker = this.idle.pop();
    const job = this.queue.shift();
    if (!worker || !job) {
      if (worker) this.idle.push(worker);
      if (job) this.queue.unshift(job);
      return;
    }
    // The carrier: traceparent (and tracestate) of the span active where run() was called.
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    const done = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      this.idle.push(worker);
      this.next();
    };
    const onMessage = (result: WorkerResult) => {
      done();
      job.resolve(result);
    };
    const onError = (error: Error) => {
      done();
      job.reject(error);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.postMessage({ carrier, input: job.input });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
