/**
 * The doctor's rules, one function per kind of finding, in the order they are reported. Each reads the
 * shared view of the project (DiagnosisContext) and returns its findings; none has side effects.
 */
import { describeTarget } from './candidates.js';
import { mismatchedOtelVersions } from './deps.js';
import { getFramework } from '../../../catalog/frameworks/index.js';
import { GUNICORN_MARKER, TELEMETRY_BINDING, type DetectionInfo } from './frameworks.js';
import { gunicornUse } from './gunicorn.js';
import type { Finding } from '../../../pipeline/findings.js';
import type { AnalyzedFile, AppCandidate, OtelRecord, ProjectReport } from './types.js';

const at = (file: { path: string }, line: number | null | undefined) => (line ? `${file.path}:${line}` : file.path);

export type Located = OtelRecord & { file: AnalyzedFile };

export interface DiagnosisContext {
  report: ProjectReport & { texts?: Record<string, string> };
  fw: DetectionInfo;
  /** "FastAPI()": how the app's construction reads in messages. */
  ctor: string;
  app?: AppCandidate;
  /** add-tracing's own wiring is in place for the app. */
  ours: boolean;
  /** OpenTelemetry set-up found in the code that is not add-tracing's. */
  theirs: Located[];
  /** The framework's instrumentor called on an app object (instrument_app). */
  instrumentCalls: (Located & { kind: 'instrumentApp' })[];
  /** The framework's instrumentor called globally (instrument()). */
  instrumentors: Located[];
  providers: Located[];
}

export type Rule = (ctx: DiagnosisContext) => Finding[];

/** Project files that mention an OTEL_* variable, e.g. OTEL_PYTHON_FASTAPI_EXCLUDED_URLS in a compose file. */
function mentionsEnv(texts: Record<string, string> | undefined, name: string): boolean {
  return Object.values(texts ?? {}).some((t) => t.includes(name));
}

/** A package's __init__ runs before the app module, so a provider set there still wins over ours. */
function runsBeforeOurs(ctx: DiagnosisContext, r: Located): boolean {
  const appFile = ctx.app?.file;
  return Boolean(
    appFile && r.file.isPackageInit && r.function === null && appFile.module.startsWith(`${r.file.module}.`),
  );
}

/** The app itself: which one, how it is served, what it already has. */
const selectedApp: Rule = ({ report, fw, app }) => {
  if (!app)
    return [
      {
        code: 'ambiguous-app',
        severity: 'error',
        message: report.ambiguity ?? 'cannot decide which app to trace',
        fix: 'pass --app module:attr',
      },
    ];
  const findings: Finding[] = [];
  const c = app.construction;
  const serve = report.selectedServe;
  const served = serve ? `, served as ${describeTarget(serve)}${serve.appDir ? ` from ${serve.appDir}/` : ''}` : '';
  findings.push({
    code: 'app',
    severity: 'info',
    message: `${fw.displayName} app ${c.target ? `\`${c.target}\` ` : ''}built ${c.function ? `in ${c.function}() ` : ''}at ${app.id}${served}`,
  });
  if (c.lifespan) {
    findings.push({
      code: 'lifespan',
      severity: 'info',
      message: `has a lifespan (${c.lifespan.source ?? '?'}, line ${c.lifespan.line}): kept as it is; the flush is composed after its shutdown`,
      where: at(app.file, c.lifespan.line),
    });
  }
  if (app.eventHandlers.length > 0 || c.onStartup || c.onShutdown) {
    const list = app.eventHandlers.map((h) => `${h.event} ${h.function ?? ''}`.trim()).join(', ');
    findings.push({
      code: 'event-handlers',
      severity: 'info',
      message: `has startup/shutdown handlers${list ? ` (${list})` : ''}: kept; they run before the flush`,
    });
  }
  return findings;
};

const otherApps: Rule = ({ report, app }) =>
  report.candidates
    .filter((c) => c !== app)
    .map((other) => ({
      code: other.mountedIn ? 'mounted-app' : 'other-app',
      severity: 'info',
      message: other.mountedIn
        ? `app at ${other.id} is mounted into another app (${other.mountedIn}): it is traced through that app's middleware`
        : other.construction.framework === 'django'
          ? `Django is also started at ${other.id} (${other.construction.constructor}()): every entry point is instrumented the same way`
          : `another ${other.construction.constructor} app is built at ${other.id}`,
    }));

/** The launcher in start commands breaks async context whatever the code does. */
const cliWrapper: Rule = ({ report, fw }) =>
  report.startCommands
    .filter((c) => c.wrapper)
    .map((cmd) => ({
      code: 'cli-wrapper',
      severity: 'error',
      message:
        fw.name === 'fastapi' || fw.name === 'starlette'
          ? `the opentelemetry-instrument CLI wrapper starts the service: it injects synchronous middleware that bypasses ${fw.displayName}'s async ASGI stack (broken parent-child relationships)`
          : 'the opentelemetry-instrument CLI wrapper starts the service: it instruments by patching at start-up, apart from the provider the code builds',
      where: `${cmd.path}:${cmd.line}`,
      fix: `drop the wrapper and call ${fw.instrumentor}.instrument_app() programmatically after the app is constructed`,
    }));

/** Wired by add-tracing: what else in the code still sets tracing up, and whether it still wins. */
const tracedByUs: Rule = (ctx) => {
  const { report, fw, app, theirs } = ctx;
  const findings: Finding[] = [
    {
      code: 'traced',
      severity: 'info',
      message: `traced by add-tracing: ${TELEMETRY_BINDING} is imported before the app is built and instrument_app() follows the construction (explicit provider, excluded URLs, flush on shutdown)`,
      where: app!.id,
    },
  ];
  for (const r of theirs) {
    const what = describeRecord(r);
    if (r.kind === 'instrumentGlobal') {
      findings.push({
        code: 'global-instrument',
        severity: 'error',
        where: at(r.file, r.line),
        message: `${what} patches the ${fw.displayName} class globally and can pre-empt the explicit instrument_app()`,
        fix: 'delete it: instrument_app() already covers the app',
      });
      continue;
    }
    if (r.kind === 'flush') continue;
    const superseded = !runsBeforeOurs(ctx, r);
    findings.push({
      code: 'superseded',
      severity: superseded ? 'warning' : 'error',
      where: at(r.file, r.line),
      message: superseded
        ? `${what} is superseded by ${report.telemetryModule?.path ?? 'the telemetry module'}: its provider never becomes the global one and the app is already instrumented`
        : `${what} runs in a package __init__ before the telemetry module, so its provider wins`,
      fix: 'delete the old setup so nobody maintains it by mistake',
    });
  }
  return findings;
};

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

const notInstrumented: Rule = ({ fw, ctor, app, instrumentCalls, instrumentors }) => {
  if (instrumentCalls.length > 0 || instrumentors.length > 0) return [];
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

const versionMismatch: Rule = ({ report }) =>
  mismatchedOtelVersions(report.dependencyFiles).map((m) => ({
    code: 'version-mismatch',
    severity: 'error',
    where: `${m.file}:${m.line}`,
    message: `mismatched OpenTelemetry versions: ${m.detail}; the ASGI wrapper can fall out of step with the SDK and lose async context`,
    fix: 'pin a matched set (add-tracing aligns them)',
  }));

const unpinnedOtel: Rule = ({ report, fw, ours }) =>
  report.dependencyFiles.flatMap((f) =>
    f.requirements
      .filter(
        (r) =>
          (/^opentelemetry-(sdk|api)$/.test(r.name) || r.name === `opentelemetry-instrumentation-${fw.name}`) &&
          !r.exact,
      )
      .map((r) => ({
        code: 'unpinned-otel',
        severity: ours ? 'error' : 'warning',
        where: `${f.path}:${r.line}`,
        message: `${r.written}${r.spec ? ` ${r.spec}` : ''} is not pinned: pip can resolve an SDK and instrumentation that fall out of step`,
        fix: 'pin the matched set exactly',
      })),
  );

/** A WSGI app served by gunicorn: without the hooks, workers share nothing but also flush nothing at exit. */
const gunicornWorkerFlush: Rule = ({ report, fw, ours }) => {
  if (!ours || (fw.name !== 'flask' && fw.name !== 'django') || !report.texts) return [];
  const use = gunicornUse(report as ProjectReport & { texts: Record<string, string> });
  if (!use.used || (report.texts[use.config] ?? '').includes(GUNICORN_MARKER)) return [];
  return [
    {
      code: 'gunicorn-no-worker-flush',
      severity: 'error',
      where: use.config,
      message: `gunicorn serves the app but ${use.config} has no worker_exit flush: spans buffered in a worker are lost when it stops`,
      fix: 'run add-tracing again to compose the post_fork/worker_exit hooks into it',
    },
  ];
};

const missingDependency: Rule = ({ report, fw, ours }) => {
  if (!ours) return [];
  const declared = new Set(report.dependencyFiles.flatMap((f) => f.requirements.map((r) => r.name)));
  return ['opentelemetry-sdk', `opentelemetry-instrumentation-${fw.name}`]
    .filter((needed) => !declared.has(needed))
    .map((needed) => ({
      code: 'missing-dependency',
      severity: 'error',
      message: `${needed} is not declared in any dependency file, but the code imports it`,
      fix: 'run add-tracing again to add the matched set',
    }));
};

/** Rules for an app add-tracing has not wired: what a hand-written set-up gets wrong. */
const UNWIRED: Rule[] = [
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

/** A Django project whose settings module is not a file here: it is another directory's project. */
const isDjangoElsewhere = ({ report, app }: DiagnosisContext) =>
  app?.construction.framework === 'django' && !report.django?.settingsFile;

const djangoElsewhere: Rule = (ctx) => {
  const { report } = ctx;
  if (!isDjangoElsewhere(ctx)) return [];
  const settings = report.django
    ? `the settings module ${report.django.settingsModule} (from ${report.django.source}) is not a file in this project`
    : 'no DJANGO_SETTINGS_MODULE is set in manage.py, wsgi.py or asgi.py';
  const dir = report.django?.source.includes('/') ? report.django.source.split('/').slice(0, -1).join('/') : '';
  return [
    {
      code: 'django-settings-elsewhere',
      severity: 'error',
      message: `${settings}, so nothing here can be checked or wired as that project`,
      fix: report.django
        ? `run it in the project's root${dir ? ` (doctor ${dir}, where manage.py is)` : ''}`
        : 'set it: os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")',
    },
  ];
};

/** Every rule for a project with an app, in report order. */
export function rulesFor(ctx: DiagnosisContext): Rule[] {
  // The rest would describe another directory's project as if it were this one.
  if (isDjangoElsewhere(ctx)) return [djangoElsewhere];
  return [
    selectedApp,
    otherApps,
    cliWrapper,
    ...(ctx.ours ? [tracedByUs] : UNWIRED),
    versionMismatch,
    unpinnedOtel,
    gunicornWorkerFlush,
    missingDependency,
  ];
}

function describeRecord(r: Located): string {
  switch (r.kind) {
    case 'provider':
      return 'a TracerProvider built here';
    case 'processor':
      return `${r.processor}(${r.exporter ?? ''})`;
    case 'setProvider':
      return 'trace.set_tracer_provider()';
    case 'instrumentApp':
    case 'ourInstrument':
      return `${r.instrumentor ?? 'the instrumentor'}.instrument_app()`;
    case 'instrumentGlobal':
      return `${r.instrumentor}().instrument()`;
    case 'flush':
      return `${r.receiver}.${r.method}()`;
    case 'meterProvider':
      return 'a MeterProvider built here';
    case 'loggerProvider':
      return 'a LoggerProvider built here';
    case 'simpleLogProcessor':
      return 'SimpleLogRecordProcessor()';
  }
}
