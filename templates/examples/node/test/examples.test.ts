/** The worked examples: which spans keep their parent, and the context a worker thread receives. */
import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import { exporter, finishedSpans, shutdown } from './setup.js';

const { trace } = await import('@opentelemetry/api');
const examples = await import('../src/examples.js');
const tracer = trace.getTracer('test');

beforeEach(() => exporter.reset());
after(async () => {
  await examples.closeWorkers();
  await shutdown();
});

/** Runs `fn` inside a parent span; returns the parent's ids and the spans that ended meanwhile. */
async function underParent(fn: () => Promise<unknown>) {
  const { traceId, spanId } = await tracer.startActiveSpan('parent', async (span) => {
    await fn();
    span.end();
    return span.spanContext();
  });
  return { traceId, spanId, spans: await finishedSpans() };
}

for (const [name, run] of [
  ['after_await', examples.afterAwait],
  ['in_timer', examples.inTimer],
  ['on_job_event', examples.emitJob],
] as const) {
  test(`${name} is a child of the span active where it was started`, async () => {
    const { traceId, spanId, spans } = await underParent(run);
    const child = spans.find((s) => s.name === name);
    assert.ok(child, `no ${name} span (got ${spans.map((s) => s.name).join(', ')})`);
    assert.equal(child.spanContext().traceId, traceId);
    assert.equal(child.parentSpanContext?.spanId, spanId);
  });
}

test('a worker thread receives the context of the job span, carried in the message', async () => {
  let result: Awaited<ReturnType<typeof examples.onWorker>> | undefined;
  const { traceId, spans } = await underParent(async () => {
    result = await examples.onWorker(10);
  });
  const job = spans.find((s) => s.name === 'worker_job');
  assert.ok(job);
  assert.equal(result?.result, 55);
  assert.equal(result?.traceId, traceId);
  assert.equal(result?.parentSpanId, job.spanContext().spanId);
});
