/**
 * The SDK for tests: the app's own instrumentations, spans kept in memory (a SimpleSpanProcessor, so a
 * span is exported as it ends, no batching). Import this first, and the app after it (dynamic import), so
 * that the instrumentations are registered before http and the framework load.
 */
import { register } from 'node:module';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { instrumentations } from '../src/instrumentations.js';

// Tests export nothing over the network: metrics and logs off unless asked for.
process.env.OTEL_METRICS_EXPORTER ??= 'none';
process.env.OTEL_LOGS_EXPORTER ??= 'none';

export const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });

/** The spans ended so far (the processor hands them to the exporter asynchronously: flushed first). */
export async function finishedSpans() {
  await processor.forceFlush();
  return exporter.getFinishedSpans();
}

// As in telemetry.ts: the framework is imported from ESM, which only the loader hook lets them patch.
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

const sdk = new NodeSDK({
  spanProcessors: [processor],
  instrumentations: instrumentations(),
});
sdk.start();

export const shutdown = () => sdk.shutdown();
