/**
 * The smoke test: what the guide's "Verification" section asks a person to do, done by a program.
 * Start the receiver, start the service pointed at it, send real requests, stop the service gracefully,
 * then check what arrived.
 */
import { randomBytes } from 'node:crypto';
import { getFramework } from '../frameworks/index.js';
import type { ServiceOptions } from '../options.js';
import { parseConsoleSpans, startReceiver, type Receiver } from '../receiver/index.js';
import type { ReceivedSpan } from '../receiver/model.js';
import { runChecks, type SentRequest, type SmokeCheck, type SmokeExpectation, type ShutdownOutcome } from './checks.js';
import { freePort, serviceEnv, startService, waitUntilReady, type RunningService } from './service.js';

export interface SmokeTarget {
  projectDir: string;
  venvDir: string;
  options: ServiceOptions;
  /** argv override for projects whose start command is not the framework default (add-tracing). */
  serverCommand?: (port: number) => string[];
  /** Sample route override for projects that are not generated (add-tracing). */
  expectation?: Partial<SmokeExpectation> & { requestPath?: string };
}

export interface SmokeReport {
  ok: boolean;
  checks: SmokeCheck[];
  requests: SentRequest[];
  spans: ReceivedSpan[];
  shutdown?: ShutdownOutcome;
  exporter: ServiceOptions['exporter'];
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
  return excludedUrls
    .filter((u) => /^\/?[A-Za-z0-9_\-./~]+$/.test(u))
    .map((u) => (u.startsWith('/') ? u : `/${u}`));
}

export function expectationFor(target: SmokeTarget): SmokeExpectation & { requestPath: string } {
  const framework = getFramework(target.options.framework);
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
    ...target.expectation,
  };
}

async function send(base: string, request: Omit<SentRequest, 'status' | 'durationMs'>, headers: Record<string, string> = {}): Promise<SentRequest> {
  const started = performance.now();
  try {
    const res = await fetch(base + request.path, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await res.arrayBuffer();
    return { ...request, status: res.status, durationMs: performance.now() - started };
  } catch (error) {
    return { ...request, status: 0, durationMs: performance.now() - started, error: (error as Error).message };
  }
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export async function runSmoke(target: SmokeTarget, onProgress: (message: string) => void = () => {}): Promise<SmokeReport> {
  const started = performance.now();
  const { options } = target;
  const framework = getFramework(options.framework);
  const expectation = expectationFor(target);
  const notes: string[] = [];
  let receiver: Receiver | undefined;
  let service: RunningService | undefined;
  try {
    const env: Record<string, string> = {};
    if (options.exporter !== 'console') {
      onProgress('starting OTLP receiver');
      receiver = await startReceiver();
      env.OTEL_EXPORTER_OTLP_ENDPOINT = options.exporter === 'otlp-grpc' ? receiver.grpcEndpoint : receiver.httpEndpoint;
      // Plaintext is right only here: the receiver listens on loopback inside this process.
      env.OTEL_EXPORTER_OTLP_INSECURE = 'true';
    }
    if (options.sampler !== 'parentbased_always_on' && options.sampler !== 'always_on') {
      env.OTEL_TRACES_SAMPLER = 'parentbased_always_on';
      notes.push(`sampler overridden with OTEL_TRACES_SAMPLER=parentbased_always_on for the test (configured: ${options.sampler}${options.sampler.includes('ratio') ? ` ${options.samplerRatio}` : ''})`);
    }

    const port = await freePort();
    const argv = target.serverCommand ? target.serverCommand(port) : framework.serverCommand({ host: '127.0.0.1', port });
    onProgress(`starting ${argv.join(' ')}`);
    service = startService(argv, { cwd: target.projectDir, env: serviceEnv(target.venvDir, env) });
    const base = `http://127.0.0.1:${port}`;
    await waitUntilReady(base + framework.healthPath, service, READY_TIMEOUT_MS);

    onProgress('sending requests');
    const requests: SentRequest[] = [];
    requests.push(await send(base, { purpose: 'sample', path: expectation.requestPath }));
    const inbound = { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') };
    requests.push(
      await send(base, { purpose: 'traceparent', path: expectation.requestPath, inbound }, { traceparent: `00-${inbound.traceId}-${inbound.spanId}-01` }),
    );
    for (const p of expectation.excludedPaths) requests.push(await send(base, { purpose: 'excluded', path: p }));

    onProgress('stopping the service with SIGTERM');
    const shutdown = await service.stop(STOP_GRACE_MS);
    // No wait needed: an exporter returns only after the receiver answered, and the receiver records first.
    const spans = receiver ? [...receiver.spans] : parseConsoleSpans(service.stdout());
    const checks = runChecks({ expectation, spans, requests, shutdown, spansReadAfterExit: options.exporter === 'console' });
    const ok = checks.every((c) => c.ok);
    return {
      ok,
      checks,
      requests,
      spans,
      shutdown,
      exporter: options.exporter,
      notes,
      durationMs: performance.now() - started,
      ...(ok ? {} : { serviceOutput: tail(`${service.stderr()}\n${options.exporter === 'console' ? '' : service.stdout()}`) }),
    };
  } catch (error) {
    const output = service ? tail(`${service.stderr()}\n${service.stdout()}`) : undefined;
    return {
      ok: false,
      checks: [{ name: 'service started', ok: false, detail: (error as Error).message, diagnosis: 'see the service output below' }],
      requests: [],
      spans: receiver ? [...receiver.spans] : [],
      exporter: options.exporter,
      notes,
      durationMs: performance.now() - started,
      ...(output !== undefined ? { serviceOutput: output } : {}),
    };
  } finally {
    service?.kill();
    await receiver?.close();
  }
}
