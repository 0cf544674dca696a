/**
 * Doctor's rules for an app add-tracing has not wired: what a hand-written OpenTelemetry set-up gets
 * wrong (not instrumented, no provider, simple processors, traces only, no flush, a provider set late).
 */
import { getFramework } from '../../../catalog/frameworks/index.js';
import type { Finding } from '../../../pipeline/findings.js';
import { at, describeRecord, type Located, type Rule } from './diagnose-context.js';
import { tracesItself } from './diagnose-native.js';

/** Project files that mention an OTEL_* variable, e.g. OTEL_PYTHON_FASTAPI_EXCLUDED_URLS in a compose file. */
function mentionsEnv(texts: Record<string, string> | undefined, name: string): boolean {
  return Object.values(texts ?? {}).some((t) => t.includes(name));
}

/** Django has no app object: DjangoInstrumentor().instrument() must run before the handler is built. */
const djangoInstrumentLate: Rule = ({ fw, app, instrumentors }) => {
  if (!app || fw.name !== 'django') return [];
  const c = app.construction;
  return instrumentors
    .filter((call) => call.file.path === app.file.path && call.function === c.function && call.line > c.endLine)
    .map((call) => ({
      code: 'django-instrument-late',
      severity: 'error',
      where: at(call.file, call.line),
      message: `DjangoInstrumentor().instrument() runs after ${c.constructor}() at ${app.id} built the handler, which read settings.MIDDLEWARE already: no request gets a span`,
      fix: 'call it after DJANGO_SETTINGS_MODULE is set and before the handler is built, in every entry point',
    }));
};

const notInstrumented: Rule = (ctx) => {
  const { fw, ctor, app, instrumentCalls, instrumentors } = ctx;
  // FastAPI >= 0.142 traces itself (see ./diagnose-native.ts).
  if (instrumentCalls.length > 0 || instrumentors.length > 0 || tracesItself(ctx)) return [];
  return [
    {
      code: 'not-instrumented',
      severity: 'error',
      message:
        fw.name === 'django'
          ? `Django is not instrumented: nothing calls DjangoInstrumentor().instrument() before ${ctor} builds the handler, so requests produce no server span`
          : `the app is not instrumented: nothing calls ${fw.instrumentor}.instrument_app(app) after ${ctor} is constructed, so requests produce no server span`,
      ...(app ? { where: app.id } : {}),
      fix: 'create-traced-service add-tracing adds it',
    },
  ];
};

const globalInstrument: Rule = ({ fw, ctor, instrumentors }) =>
  fw.name === 'django'
    ? []
    : instrumentors.map((g) => ({
        code: 'global-instrument',
        severity: 'warning',
        where: at(g.file, g.line),
        message: `${describeRecord(g)} patches the ${fw.displayName} class globally instead of instrumenting the app that exists`,
        fix: `call ${fw.instrumentor}.instrument_app(app, tracer_provider=provider) right after ${ctor}`,
      }));

const instrumentAppCalls: Rule = ({ report, fw, instrumentCalls }) => {
  const findings: Finding[] = [];
  const envName = getFramework(fw.name).existing.excludedUrlsEnv;
  const excludedByEnv = mentionsEnv(report.texts, envName) || mentionsEnv(report.texts, 'OTEL_PYTHON_EXCLUDED_URLS');
  for (const call of instrumentCalls) {
    if (!call.hasProvider) {
      findings.push({
        code: 'implicit-provider',
        severity: 'warning',
        where: at(call.file, call.line),
        message:
          'instrument_app() is not given tracer_provider=: the middleware binds to whatever provider is global when it runs (a stale default if the provider is set later)',
        fix: 'pass the provider you registered explicitly',
      });
    }
    if (!call.hasExcludedUrls && !excludedByEnv) {
      findings.push({
        code: 'health-not-excluded',
        severity: 'error',
        where: at(call.file, call.line),
        message:
          'health checks are not excluded: instrument_app() has no excluded_urls, so liveness probes, metrics scrapes and the docs UI create spans that dominate volume and cost',
        fix: `pass excluded_urls="healthz,metrics,docs" (or set ${envName})`,
      });
    }
  }
  return findings;
};

const noProvider: Rule = ({ providers, instrumentCalls, instrumentors }) =>
  providers.length === 0 && (instrumentCalls.length > 0 || instrumentors.length > 0)
    ? [
        {
          code: 'no-provider',
          severity: 'error',
          message:
            'no TracerProvider is built in the code: the instrumentation records into the no-op default provider unless a launcher configures one',
          fix: 'build the resource and provider with a BatchSpanProcessor before the app exists',
        },
      ]
    : [];

const simpleSpanProcessor: Rule = ({ theirs }) =>
  theirs
    .filter(
      (r): r is Located & { kind: 'processor' } =>
        r.kind === 'processor' &&
        r.processor === 'SimpleSpanProcessor' &&
        r.exporter !== 'ConsoleSpanExporter' &&
        r.exporter !== 'InMemorySpanExporter',
    )
    .map((p) => ({
      code: 'simple-span-processor',
      severity: 'error',
      where: at(p.file, p.line),
      message: `SimpleSpanProcessor with ${p.exporter ?? 'an exporter'}: it exports synchronously on every span end, blocking the event loop (SimpleSpanProcessor stalls under load)`,
      fix: 'use a BatchSpanProcessor (max_queue_size about 2x peak concurrency, schedule_delay_millis 2000-5000)',
    }));

/**
 * The other two signals: a hand-written setup that traces only leaves the instrumentation's HTTP metrics
 * and the app's logs (and their trace ids) behind.
 */
const tracesOnly: Rule = ({ providers, theirs }) => {
  if (providers.length === 0) return [];
  const where = at(providers[0]!.file, providers[0]!.line);
  const findings: Finding[] = [];
  if (!theirs.some((r) => r.kind === 'meterProvider')) {
    findings.push({
      code: 'no-metrics',
      severity: 'warning',
      where,
      message:
        'traces only, no MeterProvider: the HTTP server metrics the instrumentation records (http.server.request.duration) are dropped',
      fix: 'build a MeterProvider with a PeriodicExportingMetricReader and pass meter_provider= to the instrumentation (add-tracing does)',
    });
  }
  if (!theirs.some((r) => r.kind === 'loggerProvider')) {
    findings.push({
      code: 'no-logs',
      severity: 'warning',
      where,
      message:
        'traces only, no LoggerProvider: log records are not exported over OTLP and carry no trace or span id to find them from a trace',
      fix: 'build a LoggerProvider with a BatchLogRecordProcessor and hand it the logging records (add-tracing does)',
    });
  }
  return findings;
};

const simpleLogProcessor: Rule = ({ theirs }) =>
  theirs
    .filter((r) => r.kind === 'simpleLogProcessor')
    .map((p) => ({
      code: 'simple-log-processor',
      severity: 'error',
      where: at(p.file, p.line),
      message:
        'SimpleLogRecordProcessor exports every log record synchronously on the logging call, on the request path',
      fix: 'use a BatchLogRecordProcessor, flushed on shutdown with the tracer provider',
    }));

const noFlush: Rule = ({ providers, theirs }) =>
  providers.length > 0 && !theirs.some((r) => r.kind === 'flush')
    ? [
        {
          code: 'no-flush',
          severity: 'error',
          where: at(providers[0]!.file, providers[0]!.line),
          message:
            'no flush on shutdown: nothing calls provider.force_flush()/shutdown() in the lifespan or a shutdown handler, so spans buffered at exit are lost (spans lost on restart)',
          fix: "force-flush and shut down the provider after the lifespan's yield",
        },
      ]
    : [];

/** A provider set after the app is built: the middleware may bind to the stale default. */
const providerAfterApp: Rule = ({ report, ctor, app, theirs }) => {
  if (!app) return [];
  const appFile = app.file;
  const c = app.construction;
  const afterConstruction = (r: { function: string | null; line: number }) =>
    r.function === c.function && r.line > c.endLine;
  const late: { where: string; what: string }[] = [];
  for (const r of theirs) {
    if (r.kind === 'setProvider' && r.file.path === appFile.path && afterConstruction(r))
      late.push({ where: at(r.file, r.line), what: 'trace.set_tracer_provider()' });
  }
  const setupNames = new Set(report.files.flatMap((f) => (f.setupFunctions ?? []).map((s) => s.name)));
  for (const call of appFile.calls ?? []) {
    if (setupNames.has(call.callee.split('.').pop()!) && afterConstruction(call))
      late.push({ where: at(appFile, call.line), what: `${call.callee}() (which sets the tracer provider)` });
  }
  return late.map((l) => ({
    code: 'provider-after-app',
    severity: 'error',
    where: l.where,
    message: `a provider is set after the app is built: ${l.what} runs after ${ctor} at ${app.id}`,
    fix: 'bootstrap the provider before the app exists (import the telemetry module first)',
  }));
};

/** Rules for an app add-tracing has not wired: what a hand-written set-up gets wrong. */
export const UNWIRED: Rule[] = [
  djangoInstrumentLate,
  notInstrumented,
  globalInstrument,
  instrumentAppCalls,
  noProvider,
  simpleSpanProcessor,
  tracesOnly,
  simpleLogProcessor,
  noFlush,
  providerAfterApp,
];
