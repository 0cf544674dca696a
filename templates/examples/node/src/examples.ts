/**
 * Worked examples of where the trace context goes in Node, and where it does not:
 * - across `await`: kept (AsyncLocalStorage follows the promise chain);
 * - into setTimeout callbacks and EventEmitter listeners: a timer keeps the context it was created in,
 *   but a listener runs in the context of whoever calls emit(), so bind it when that differs;
 * - into a worker thread: never; carry it in the message (worker-pool.ts).
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { context, trace } from '@opentelemetry/api';
import { WorkerPool, type WorkerResult } from './worker-pool.js';

const tracer = trace.getTracer('app.examples');

/** A child span after an await: still parented by the span that was active before it. */
export async function afterAwait(): Promise<void> {
  await sleep(1);
  await tracer.startActiveSpan('after_await', async (span) => {
    await sleep(1);
    span.end();
  });
}

/** A timer callback: runs in the context that was active when setTimeout was called. */
export function inTimer(): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(() => {
      tracer.startActiveSpan('in_timer', (span) => {
        span.end();
        resolve();
      });
    }, 1);
  });
}

/**
 * An event listener registered at start-up runs in the context of the emit() call; one bound with
 * context.bind() keeps the context it was bound in, wherever the event is emitted from.
 */
export const events = new EventEmitter();
events.on('job', (done: () => void) => {
  tracer.startActiveSpan('on_job_event', (span) => {
    span.end();
    done();
  });
});

export function emitJob(): Promise<void> {
  return new Promise((resolve) => events.emit('job', resolve));
}

let pool: WorkerPool | undefined;

/** A CPU-bound job on a worker thread, traced here with the context carried across explicitly. */
export async function onWorker(input: number): Promise<WorkerResult> {
  pool ??= new WorkerPool(2);
  return tracer.startActiveSpan('worker_job', async (span) => {
    try {
      return await pool!.run(input);
    } finally {
      span.end();
    }
  });
}

export async function closeWorkers(): Promise<void> {
  await pool?.close();
  pool = undefined;
}

/** Every example above, in the context active at the call. */
export async function runAll(): Promise<WorkerResult> {
  await afterAwait();
  await inTimer();
  await context.with(context.active(), emitJob);
  return onWorker(1000);
}
