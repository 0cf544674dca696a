/**
 * One run of the service for the smoke test: receiver up, service started and ready, requests sent,
 * SIGTERM, and what arrived collected.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { serviceFramework } from '../catalog/frameworks/index.js';
import type { ServiceOptions } from '../options/schema.js';
import { startReceiver, type Receiver } from '../receiver/index.js';
import type { ReceivedLog, ReceivedMetricPoint, ReceivedSpan, SignalName } from '../receiver/model.js';
import { withSecretQuery } from './secret-checks.js';
import { freePort, startService, waitUntilReady, type RunningService } from './service.js';
import type { SentRequest, ShutdownOutcome, SmokeTarget } from './types.js';

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 15_000;
const REQUEST_TIMEOUT_MS = 20_000;

/** Header the service must send (OTEL_EXPORTER_OTLP_HEADERS) for its data to count in this run. */
export const RUN_HEADER = 'x-create-traced-service-run';

/** grpc or http/protobuf: the exporter's default, unless the caller's OTEL_EXPORTER_OTLP_PROTOCOL switches it. */
export function smokeProtocol(
  exporter: ServiceOptions['exporter'],
  env: NodeJS.ProcessEnv = process.env,
): 'grpc' | 'http/protobuf' {
  const asked = env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim().toLowerCase();
  if (asked === 'grpc' || asked === 'http/protobuf') return asked;
  return exporter === 'otlp-http' ? 'http/protobuf' : 'grpc';
}

/**
 * One request (GET unless said) on a fresh connection (no keep-alive), like independent clients: with several workers
 * sharing a listening socket, each connection may be accepted by any of them.
 */
export function send(
  base: string,
  request: Omit<SentRequest, 'status' | 'durationMs'>,
  headers: Record<string, string> = {},
): Promise<SentRequest> {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (fields: Pick<SentRequest, 'status'> & { error?: string; bodyExcerpt?: string }) =>
      resolve({ ...request, ...fields, durationMs: performance.now() - started });
    // The secret goes in the query string here, so the report's path stays the route's.
    const target = request.secret ? withSecretQuery(request.path, request.secret) : request.path;
    const method = request.method ?? 'GET';
    const req = http.request(base + target, { method, headers, agent: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const status = res.statusCode ?? 0;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 400) body += c;
      });
      const excerpt = () => body.replace(/\s+/g, ' ').trim().slice(0, 200);
      res.on('end', () => done({ status, ...(status >= 200 && status <= 299 ? {} : { bodyExcerpt: excerpt() }) }));
      res.on('error', (e) => done({ status: 0, error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)));
    req.on('error', (e) => done({ status: 0, error: e.message }));
    req.end();
  });
}

export function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export interface PhaseResult {
  requests: SentRequest[];
  shutdown: ShutdownOutcome;
  spans: ReceivedSpan[];
  logs: ReceivedLog[];
  metrics: ReceivedMetricPoint[];
  ignored: Record<SignalName, number>;
  output: () => string;
  /** Everything the service printed, stderr first. */
  fullOutput: () => string;
  /** The service listened on another port than the PORT it was given; requests went there. */
  port?: { given: number; listening: number };
}

/** Lines the generated gunicorn.conf.py logs from post_worker_init, once per worker that loaded the app. */
const WORKER_READY = /Worker ready \(pid: (\d+)\)/g;

/** Waits (bounded) until `workers` distinct workers logged that they loaded the app; the checks report the rest. */
async function waitForWorkers(service: RunningService, workers: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !service.hasExited()) {
    const ready = new Set([...service.stderr().matchAll(WORKER_READY)].map((m) => m[1]));
    if (ready.size >= workers) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export type Running = { service?: RunningService; receiver?: Receiver };

/** Starts the service with the given worker count, lets `drive` send requests, stops it, collects spans. */
export async function runPhase(
  target: SmokeTarget,
  env: Record<string, string>,
  workers: number | undefined,
  drive: (base: string) => Promise<SentRequest[]>,
  onProgress: (message: string) => void,
  started: Running,
): Promise<PhaseResult> {
  const { options, runtime } = target;
  const framework = serviceFramework(options.framework);
  const phaseEnv = { ...target.env, ...env };
  if (options.exporter !== 'console') {
    // Only data carrying this run's secret counts: any other process exporting to the same port is
    // reported as ignored, never mistaken for the service's own.
    const secret = randomBytes(16).toString('hex');
    const receiver = await startReceiver({ requiredHeader: { name: RUN_HEADER, value: secret } });
    started.receiver = receiver;
    const protocol = smokeProtocol(options.exporter);
    phaseEnv.OTEL_EXPORTER_OTLP_PROTOCOL = protocol;
    phaseEnv.OTEL_EXPORTER_OTLP_ENDPOINT = protocol === 'grpc' ? receiver.grpcEndpoint : receiver.httpEndpoint;
    phaseEnv.OTEL_EXPORTER_OTLP_HEADERS = `${RUN_HEADER}=${secret}`;
    // Plaintext is right only here: the receiver listens on loopback inside this process.
    phaseEnv.OTEL_EXPORTER_OTLP_INSECURE = 'true';
  }
  const port = await freePort();
  const argv = target.serverCommand
    ? target.serverCommand(port)
    : framework.serverCommand({ host: '127.0.0.1', port, ...(workers ? { workers } : {}) });
  onProgress(`starting ${argv.join(' ')}`);
  const service = startService(argv, { cwd: target.projectDir, env: runtime.serviceEnv(target.venvDir, phaseEnv) });
  started.service = service;
  // A generated service has /healthz; an existing one is ready once it answers HTTP at all.
  const ready = await waitUntilReady(
    `http://127.0.0.1:${port}${target.readyPath ?? framework.healthPath}`,
    service,
    READY_TIMEOUT_MS,
    { anyStatus: target.readyPath !== undefined },
  );
  const base = `http://127.0.0.1:${ready.listeningOn ?? port}`;
  // One worker answering says nothing of the others: requests sent while a worker still loads the app
  // all go to the ready ones, and "every worker exports" would depend on the machine's load.
  if (workers) await waitForWorkers(service, workers, READY_TIMEOUT_MS);
  onProgress('sending requests');
  const requests = await drive(base);
  onProgress('stopping the service with SIGTERM');
  const shutdown = await service.stop(STOP_GRACE_MS);
  // No wait needed: an exporter returns only after the receiver answered, and the receiver records first.
  const spans = started.receiver ? [...started.receiver.spans] : (await runtime.consoleSpanParser())(service.stdout());
  const logs = started.receiver ? [...started.receiver.logs] : [];
  const metrics = started.receiver ? [...started.receiver.metrics] : [];
  const ignored = started.receiver ? { ...started.receiver.ignored } : { traces: 0, metrics: 0, logs: 0 };
  const output = () => tail(`${service.stderr()}\n${options.exporter === 'console' ? '' : service.stdout()}`);
  const fullOutput = () => `${service.stderr()}\n${service.stdout()}`;
  await started.receiver?.close();
  const moved = ready.listeningOn === undefined ? {} : { port: { given: port, listening: ready.listeningOn } };
  return { requests, shutdown, spans, logs, metrics, ignored, output, fullOutput, ...moved };
}

/** Runs `count` requests, `concurrency` at a time. */
export async function sendMany(base: string, path: string, count: number, concurrency: number): Promise<SentRequest[]> {
  const results: SentRequest[] = [];
  let next = 0;
  const lanes = Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++;
      results.push(await send(base, { purpose: 'sample', path }));
    }
  });
  await Promise.all(lanes);
  return results;
}
