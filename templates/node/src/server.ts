/**
 * Entry point: starts the app, and on SIGTERM/SIGINT stops accepting, drains in-flight requests, flushes
 * telemetry and exits, each step bounded so that the orchestrator's grace period is never exceeded.
 * Run it with the telemetry bootstrap loaded first: node --import ./dist/telemetry.js dist/server.js
 */
import { parseArgs } from 'node:util';
import { shutdownTelemetry, SHUTDOWN_TIMEOUT_MILLIS } from './telemetry.js';
import { startServer } from './app.js';

/** In-flight requests get this long to finish after SIGTERM; then their connections are closed. */
const DRAIN_TIMEOUT_MILLIS = 10_000;

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: process.env.HOST ?? '0.0.0.0' },
    port: { type: 'string', default: process.env.PORT ?? '8000' },
  },
});
const server = await startServer(values.host, Number(values.port));
console.log(`listening on http://${values.host}:${values.port}`);

let stopping = false;

async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: draining`);
  // Whatever happens below, the process ends within the bound (a hung flush must not outlive the grace period).
  setTimeout(() => {
    console.error('shutdown did not finish in time; exiting');
    process.exit(1);
  }, DRAIN_TIMEOUT_MILLIS + SHUTDOWN_TIMEOUT_MILLIS + 1_000).unref();
  await server.close(DRAIN_TIMEOUT_MILLIS);
  // After the last request: its spans are in the batch processor's queue, which shutdown exports.
  await shutdownTelemetry();
  process.exit(0);
}

process.once('SIGTERM', (signal) => void stop(signal));
process.once('SIGINT', (signal) => void stop(signal));
