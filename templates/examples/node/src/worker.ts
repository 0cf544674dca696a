/**
 * Worker thread body: the parent's context arrives in the message and is extracted before any work, so
 * that whatever the worker propagates (an outgoing request's traceparent, a log line's trace id)
 * belongs to the request that asked for the job. No SDK runs here, so the W3C propagator is used as is.
 */
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { parentPort } from 'node:worker_threads';

const propagator = new W3CTraceContextPropagator();
const getter = {
  get: (carrier: Record<string, string>, key: string) => carrier[key],
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
};

parentPort?.on('message', ({ carrier, input }: { carrier: Record<string, string>; input: number }) => {
  const parent = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, carrier, getter));
  let total = 0;
  for (let i = 0; i <= input; i++) total += i;
  parentPort?.postMessage({ result: total, traceId: parent?.traceId ?? '', parentSpanId: parent?.spanId ?? '' });
});
