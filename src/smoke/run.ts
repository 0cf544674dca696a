/**
 * The smoke test: what the guide's "Verification" section asks a person to do, done by a program.
 * Start the receiver, start the service pointed at it, send real requests, stop the service gracefully,
 * then check what arrived.
 */
import { randomBytes } from 'node:crypto';
import { serviceFramework } from '../catalog/frameworks/index.js';
import type { ServiceOptions } from '../options/schema.js';
import type { ReceivedLog, ReceivedMetricPoint, ReceivedSpan, SignalName } from '../receiver/model.js';
import { runChecks, runMultiWorkerChecks } from './checks.js';
import { type ContractRoute, shapeOf, type TelemetryContract, type TracedRequest } from './contract.js';
import { secretHeaders } from './secret-checks.js';
import { listensElsewhere } from './service.js';
import { type PhaseResult, type Running, runPhase, send, sendMany, smokeProtocol, tail } from './phase.js';
import type { SentRequest, ShutdownOutcome, SmokeCheck, SmokeExpectation, SmokeTarget } from './types.js';

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

/** Excluded URL fragments that are literal paths can be requested; regex-like ones are only checked. */
export function requestablePaths(excludedUrls: string[]): string[] {
  return excludedUrls.filter((u) => /^\/?[A-Za-z0-9_\-./~]+$/.test(u)).map((u) => (u.startsWith('/') ? u : `/${u}`));
}

/** What the run expects of the target; the runtime plays no part, so a test may pass options alone. */
export function expectationFor(
  target: Pick<SmokeTarget, 'options' | 'expectation'>,
): SmokeExpectation & { requestPath: string } {
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

type Expectation = ReturnType<typeof expectationFor>;

/** What the test changes in the service's configuration to observe it, each said in a note. */
function testOverrides(options: SmokeTarget['options']): {
  env: Record<string, string>;
  notes: string[];
  protocol?: ReturnType<typeof smokeProtocol>;
} {
  const env: Record<string, string> = {};
  const notes: string[] = [];
  if (options.sampler !== 'parentbased_always_on' && options.sampler !== 'always_on') {
    env.OTEL_TRACES_SAMPLER = 'parentbased_always_on';
    const ratio = options.sampler.includes('ratio') ? ` ${options.samplerRatio}` : '';
    notes.push(
      `sampler overridden with OTEL_TRACES_SAMPLER=parentbased_always_on for the test (configured: ${options.sampler}${ratio})`,
    );
  }
  if (options.exporter === 'console') return { env, notes };
  const protocol = smokeProtocol(options.exporter);
  if (protocol !== smokeProtocol(options.exporter, {})) {
    notes.push(
      `OTLP protocol switched to ${protocol} by OTEL_EXPORTER_OTLP_PROTOCOL (generated for ${options.exporter})`,
    );
  }
  return { env, notes, protocol };
}

/** The single-process run's requests: a sample, one carrying an inbound traceparent, the excluded paths. */
function primaryRequests(expectation: Expectation, contractRoutes: ContractRoute[]) {
  return async (base: string): Promise<SentRequest[]> => {
    const requests: SentRequest[] = [];
    // A fresh secret each run, as a bearer token, a cookie and query parameters: none may reach the telemetry.
    const secret = randomBytes(12).toString('hex');
    requests.push(
      await send(base, { purpose: 'sample', path: expectation.requestPath, secret }, secretHeaders(secret)),
    );
    const inbound = { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') };
    requests.push(
      await send(
        base,
        { purpose: 'traceparent', path: expectation.requestPath, inbound },
        { traceparent: `00-${inbound.traceId}-${inbound.spanId}-01` },
      ),
    );
    for (const p of expectation.excludedPaths) requests.push(await send(base, { purpose: 'excluded', path: p }));
    for (const route of contractRoutes) requests.push(await sendTraced(base, route));
    return requests;
  };
}

/** A contract route's request, with its own traceparent: the trace it lands in is known whatever the names. */
function sendTraced(base: string, route: ContractRoute): Promise<SentRequest> {
  const inbound = { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') };
  const traceparent = `00-${inbound.traceId}-${inbound.spanId}-01`;
  return send(base, { purpose: 'contract', method: route.method, path: route.path, inbound }, { traceparent });
}

/** What the run emitted for the sample route (its traceparent request) and the contract's other routes. */
function runShape(expectation: Expectation, main: PhaseResult): TelemetryContract {
  const traced = main.requests.flatMap((request): TracedRequest[] => {
    if (!request.inbound || (request.purpose !== 'traceparent' && request.purpose !== 'contract')) return [];
    const route = { method: request.method ?? 'GET', path: request.path, status: request.status };
    return [{ route, request, traceId: request.inbound.traceId }];
  });
  const signals = expectation.signals ?? [];
  return shapeOf({
    traced,
    spans: main.spans,
    ...(signals.includes('logs') ? { logs: main.logs } : {}),
    ...(signals.includes('metrics') ? { metrics: main.metrics } : {}),
  });
}

/** The framework's multi-worker run, when it has one and it can be observed; undefined when not run. */
async function multiWorkerRun(
  target: SmokeTarget,
  env: Record<string, string>,
  expectation: Expectation,
  notes: string[],
  onProgress: (message: string) => void,
  running: Running,
): Promise<{ checks: SmokeCheck[]; phase: PhaseResult } | undefined> {
  const multi = serviceFramework(target.options.framework).multiWorker;
  if (!multi || target.serverCommand) return undefined;
  if (target.options.exporter === 'console') {
    notes.push(
      `the ${multi.workers}-worker run needs an OTLP exporter (console output from several processes interleaves); skipped`,
    );
    return undefined;
  }
  onProgress(`${multi.workers}-worker run`);
  // SDKs before 1.44 put no service.instance.id in the resource; the process detector adds
  // process.pid, which runMultiWorkerChecks counts too, so workers stay distinguishable on every line.
  const multiEnv = { ...env, OTEL_EXPERIMENTAL_RESOURCE_DETECTORS: 'process' };
  const drive = (base: string) => sendMany(base, expectation.requestPath, multi.requests, multi.workers * 2);
  const phase = await runPhase(target, multiEnv, multi.workers, drive, onProgress, running);
  const checks = runMultiWorkerChecks({
    expectation,
    workers: multi.workers,
    spans: phase.spans,
    metrics: phase.metrics,
    requests: phase.requests,
    shutdown: phase.shutdown,
  });
  return { checks, phase };
}

/** Refused requests are counted, not read: how much data they carried is unknown. */
function foreignDataNote(ignored: Record<SignalName, number>): string | undefined {
  const foreign = Object.entries(ignored).filter(([, n]) => n > 0);
  if (foreign.length === 0) return undefined;
  return `refused export requests from another process (no run header): ${foreign.map(([k, n]) => `${n} ${k}`).join(', ')}`;
}

type ReportFields = Omit<SmokeReport, 'exporter' | 'notes' | 'durationMs' | 'protocol'>;

/** The report of a run that failed before its checks: what the receiver got, what the service printed. */
function notStartedReport(error: unknown, running: Running): ReportFields {
  const { service, receiver } = running;
  return {
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
    spans: receiver ? [...receiver.spans] : [],
    logs: receiver ? [...receiver.logs] : [],
    metrics: receiver ? [...receiver.metrics] : [],
    ignored: receiver ? { ...receiver.ignored } : { traces: 0, metrics: 0, logs: 0 },
    ...(service ? { serviceOutput: tail(`${service.stderr()}\n${service.stdout()}`) } : {}),
  };
}

/** Runs the service as configured (then with several workers where the framework has them) and checks it. */
async function observe(
  target: SmokeTarget,
  env: Record<string, string>,
  notes: string[],
  onProgress: (message: string) => void,
  running: Running,
): Promise<ReportFields> {
  const { options } = target;
  const expectation = expectationFor(target);
  // The sample route is sent anyway (its traceparent request is the one the contract reads).
  const isSample = (r: ContractRoute) => r.method === 'GET' && r.path === expectation.requestPath;
  const drive = primaryRequests(
    expectation,
    (target.contract?.routes ?? []).filter((r) => !isSample(r)),
  );
  const main = await runPhase(target, env, undefined, drive, onProgress, running);
  if (main.port) notes.push(`${listensElsewhere(main.port.listening, main.port.given)}: requests were sent there`);
  const checks = runChecks({
    expectation,
    spans: main.spans,
    logs: main.logs,
    metrics: main.metrics,
    requests: main.requests,
    shutdown: main.shutdown,
    spansReadAfterExit: options.exporter === 'console',
  });
  checks.push(
    ...(target.runtime.extraChecks?.({
      output: main.fullOutput(),
      spans: main.spans,
      route: expectation.route ?? '',
    }) ?? []),
  );
  if (target.contract) checks.push(...target.contract.judge(runShape(expectation, main)));
  const ignored = { ...main.ignored };
  let output = checks.every((c) => c.ok) ? undefined : main.output();
  const multi = await multiWorkerRun(target, env, expectation, notes, onProgress, running);
  if (multi) {
    for (const k of Object.keys(ignored) as SignalName[]) ignored[k] += multi.phase.ignored[k];
    checks.push(...multi.checks);
    if (output === undefined && !multi.checks.every((c) => c.ok)) output = multi.phase.output();
  }
  const foreign = foreignDataNote(ignored);
  if (foreign) notes.push(foreign);
  return {
    ok: checks.every((c) => c.ok),
    checks,
    requests: main.requests,
    spans: main.spans,
    logs: main.logs,
    metrics: main.metrics,
    ignored,
    shutdown: main.shutdown,
    ...(output !== undefined ? { serviceOutput: output } : {}),
  };
}

export async function runSmoke(
  target: SmokeTarget,
  onProgress: (message: string) => void = () => {},
): Promise<SmokeReport> {
  const started = performance.now();
  const { env, notes, protocol } = testOverrides(target.options);
  const running: Running = {};
  let fields: ReportFields;
  try {
    fields = await observe(target, env, notes, onProgress, running);
  } catch (error) {
    fields = notStartedReport(error, running);
  } finally {
    running.service?.kill();
    await running.receiver?.close();
  }
  return {
    ...fields,
    exporter: target.options.exporter,
    ...(protocol ? { protocol } : {}),
    notes,
    durationMs: performance.now() - started,
  };
}
