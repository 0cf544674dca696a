/**
 * The smoke test: what the guide's "Verification" section asks a person to do, done by a program.
 * Start the receiver, start the service pointed at it, send real requests, stop the service gracefully,
 * then check what arrived.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { serviceFramework } from '../frameworks/index.js';
import type { ServiceOptions } from '../options.js';
import { startReceiver, type Receiver } from '../receiver/index.js';
import { runtimeOf } from '../runtimes/index.js';
import type { ReceivedLog, ReceivedMetricPoint, ReceivedSpan, SignalName } from '../receiver/model.js';
import {
  runChecks,
  runMultiWorkerChecks,
  type SentRequest,
  type SmokeCheck,
  type SmokeExpectation,
  type ShutdownOutcome,
} from './checks.js';
import { loadOrderCheck } from './node-checks.js';
import { freePort, startService, waitUntilReady, type RunningService } from './service.js';

export interface SmokeTarget {
  projectDir: string;
  /** The prepared environment (Python: the venv; Node: the directory of the node binary, '' for PATH's). */
  venvDir: string;
  options: ServiceOptions;
  /** argv override for projects whose start command is not the framework default (add-tracing). */
  serverCommand?: (port: number) => string[];
  /** Readiness for projects that are not generated: any HTTP answer on this path means ready. */
  readyPath?: string;
  /** Variables the app needs (add-tracing: --env-file or .env); OTEL_* set by the smoke test win. */
  env?: Record<string, string>;
  /** Sample route override for projects that are not generated (add-tracing). */
  expectation?: Partial<SmokeExpectation> & { requestPath?: string };
}

export interface SmokeReport {
  ok: boolean;
  checks: SmokeCheck[];
  requests: SentRequest[];
  spans: ReceivedSpan[];
  logs: ReceivedLog[];
  metrics: ReceivedMetricPoint[];
  /** Items from other processes that reached the receiver without this run's header, per signal. */
  ignored: Record<SignalName, number>;
  shutdown?: ShutdownOutcome;
  exporter: ServiceOptions['exporter'];
  /** The OTLP protocol the service was run with (OTEL_EXPORTER_OTLP_PROTOCOL may switch it). */
  protocol?: 'grpc' | 'http/protobuf';
  /** What the service printed when something went wrong (tail). */
  serviceOutput?: string;
  /** Notes about how the run differs from production (e.g. sampler override). */
  notes: string[];
  durationMs: number;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 15_000;
const REQUEST_TIMEOUT_MS = 20_000;

/** Excluded URL fragments that are literal paths can be requested; regex-like ones are only checked. */
export function requestablePaths(excludedUrls: string[]): string[] {
  return excludedUrls.filter((u) => /^\/?[A-Za-z0-9_\-./~]+$/.test(u)).map((u) => (u.startsWith('/') ? u : `/${u}`));
}

export function expectationFor(target: SmokeTarget): SmokeExpectation & { requestPath: string } {
  const framework = serviceFramework(target.options.framework);
  return {
    serviceName: target.options.serviceName,
    environment: target.options.environment,
    serverSpanName: framework.sample.serverSpanName,
    route: framework.sample.route,
    childSpanName: framework.sample.childSpanName,
    childAttributes: framework.sample.childAttributes,
    spansPerRequest: framework.sample.spansPerRequest,
    excludedPaths: requestablePaths(target.options.excludedUrls),
    scheduleDelayMillis: target.options.scheduleDelayMillis,
    requestPath: framework.sample.requestPath,
    // Logs and metrics are checked only where they arrive as OTLP (the console project leaves them off).
    signals: target.options.exporter === 'console' ? [] : target.options.signals,
    // Generated services log this line inside the sample route's span; an existing app has no known line.
    ...(target.expectation ? {} : { logBody: 'processed item' }),
    ...target.expectation,
  };
}

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
 * One GET on a fresh connection (no keep-alive), like independent clients: with several workers
 * sharing a listening socket, each connection may be accepted by any of them.
 */
function send(
  base: string,
  request: Omit<SentRequest, 'status' | 'durationMs'>,
  headers: Record<string, string> = {},
): Promise<SentRequest> {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (fields: Pick<SentRequest, 'status'> & { error?: string; bodyExcerpt?: string }) =>
      resolve({ ...request, ...fields, durationMs: performance.now() - started });
    const req = http.get(base + request.path, { headers, agent: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
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
  });
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

interface PhaseResult {
  requests: SentRequest[];
  shutdown: ShutdownOutcome;
  spans: ReceivedSpan[];
  logs: ReceivedLog[];
  metrics: ReceivedMetricPoint[];
  ignored: Record<SignalName, number>;
  output: () => string;
  /** Everything the service printed, stderr first. */
  fullOutput: () => string;
}

/** Starts the service with the given worker count, lets `drive` send requests, stops it, collects spans. */
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

async function runPhase(
  target: SmokeTarget,
  env: Record<string, string>,
  workers: number | undefined,
  drive: (base: string) => Promise<SentRequest[]>,
  onProgress: (message: string) => void,
  started: { service?: RunningService; receiver?: Receiver },
): Promise<PhaseResult> {
  const { options } = target;
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
  const runtime = runtimeOf(options.framework);
  const service = startService(argv, { cwd: target.projectDir, env: runtime.serviceEnv(target.venvDir, phaseEnv) });
  started.service = service;
  const base = `http://127.0.0.1:${port}`;
  // A generated service has /healthz; an existing one is ready once it answers HTTP at all.
  await waitUntilReady(base + (target.readyPath ?? framework.healthPath), service, READY_TIMEOUT_MS, {
    anyStatus: target.readyPath !== undefined,
  });
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
  return { requests, shutdown, spans, logs, metrics, ignored, output, fullOutput };
}

/** Runs `count` requests, `concurrency` at a time. */
async function sendMany(base: string, path: string, count: number, concurrency: number): Promise<SentRequest[]> {
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

export async function runSmoke(
  target: SmokeTarget,
  onProgress: (message: string) => void = () => {},
): Promise<SmokeReport> {
  const started = performance.now();
  const { options } = target;
  const framework = serviceFramework(options.framework);
  const expectation = expectationFor(target);
  const notes: string[] = [];
  const running: { service?: RunningService; receiver?: Receiver } = {};
  const env: Record<string, string> = {};
  if (options.sampler !== 'parentbased_always_on' && options.sampler !== 'always_on') {
    env.OTEL_TRACES_SAMPLER = 'parentbased_always_on';
    notes.push(
      `sampler overridden with OTEL_TRACES_SAMPLER=parentbased_always_on for the test (configured: ${options.sampler}${options.sampler.includes('ratio') ? ` ${options.samplerRatio}` : ''})`,
    );
  }
  const protocol = options.exporter === 'console' ? undefined : smokeProtocol(options.exporter);
  if (protocol && protocol !== smokeProtocol(options.exporter, {})) {
    notes.push(
      `OTLP protocol switched to ${protocol} by OTEL_EXPORTER_OTLP_PROTOCOL (generated for ${options.exporter})`,
    );
  }
  const report = (fields: Omit<SmokeReport, 'exporter' | 'notes' | 'durationMs' | 'protocol'>): SmokeReport => ({
    ...fields,
    exporter: options.exporter,
    ...(protocol ? { protocol } : {}),
    notes,
    durationMs: performance.now() - started,
  });
  try {
    const main = await runPhase(
      target,
      env,
      undefined,
      async (base) => {
        const requests: SentRequest[] = [];
        requests.push(await send(base, { purpose: 'sample', path: expectation.requestPath }));
        const inbound = { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') };
        requests.push(
          await send(
            base,
            { purpose: 'traceparent', path: expectation.requestPath, inbound },
            { traceparent: `00-${inbound.traceId}-${inbound.spanId}-01` },
          ),
        );
        for (const p of expectation.excludedPaths) requests.push(await send(base, { purpose: 'excluded', path: p }));
        return requests;
      },
      onProgress,
      running,
    );
    const checks = runChecks({
      expectation,
      spans: main.spans,
      logs: main.logs,
      metrics: main.metrics,
      requests: main.requests,
      shutdown: main.shutdown,
      spansReadAfterExit: options.exporter === 'console',
    });
    if (runtimeOf(options.framework).name === 'node') {
      checks.push(loadOrderCheck({ output: main.fullOutput(), spans: main.spans, route: expectation.route }));
    }
    const ignored = { ...main.ignored };
    let output = checks.every((c) => c.ok) ? undefined : main.output();

    const multi = framework.multiWorker;
    if (multi && !target.serverCommand && options.exporter === 'console') {
      notes.push(
        `the ${multi.workers}-worker run needs an OTLP exporter (console output from several processes interleaves); skipped`,
      );
    } else if (multi && !target.serverCommand) {
      onProgress(`${multi.workers}-worker run`);
      // SDKs before 1.44 put no service.instance.id in the resource; the process detector adds
      // process.pid, which runMultiWorkerChecks counts too, so workers stay distinguishable on every line.
      const multiEnv = { ...env, OTEL_EXPERIMENTAL_RESOURCE_DETECTORS: 'process' };
      const phase = await runPhase(
        target,
        multiEnv,
        multi.workers,
        (base) => sendMany(base, expectation.requestPath, multi.requests, multi.workers * 2),
        onProgress,
        running,
      );
      const multiChecks = runMultiWorkerChecks({
        expectation,
        workers: multi.workers,
        spans: phase.spans,
        metrics: phase.metrics,
        requests: phase.requests,
        shutdown: phase.shutdown,
      });
      for (const k of Object.keys(ignored) as SignalName[]) ignored[k] += phase.ignored[k];
      checks.push(...multiChecks);
      if (output === undefined && !multiChecks.every((c) => c.ok)) output = phase.output();
    }
    const ok = checks.every((c) => c.ok);
    const foreign = Object.entries(ignored).filter(([, n]) => n > 0);
    if (foreign.length > 0) {
      notes.push(
        `ignored data from another process (no run header): ${foreign.map(([k, n]) => `${n} ${k === 'traces' ? 'span(s)' : k === 'logs' ? 'log record(s)' : 'metric point(s)'}`).join(', ')}`,
      );
    }
    return report({
      ok,
      checks,
      requests: main.requests,
      spans: main.spans,
      logs: main.logs,
      metrics: main.metrics,
      ignored,
      shutdown: main.shutdown,
      ...(output !== undefined ? { serviceOutput: output } : {}),
    });
  } catch (error) {
    const service = running.service;
    return report({
      ok: false,
      checks: [
        {
          name: 'service started',
          ok: false,
          detail: (error as Error).message,
          diagnosis: 'see the service output below',
        },
      ],
      requests: [],
      spans: running.receiver ? [...running.receiver.spans] : [],
      logs: running.receiver ? [...running.receiver.logs] : [],
      metrics: running.receiver ? [...running.receiver.metrics] : [],
      ignored: running.receiver ? { ...running.receiver.ignored } : { traces: 0, metrics: 0, logs: 0 },
      ...(service ? { serviceOutput: tail(`${service.stderr()}\n${service.stdout()}`) } : {}),
    });
  } finally {
    running.service?.kill();
    await running.receiver?.close();
  }
}
