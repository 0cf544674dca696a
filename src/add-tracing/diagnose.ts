/**
 * diagnose(report) -> findings: what is already there and wrong, in the guide's terms. Pure; `doctor`
 * prints the findings alone (exit 1 when any is an error) and add-tracing prints them before its diff.
 */
import pc from 'picocolors';
import { describeTarget } from './detect.js';
import { mismatchedOtelVersions } from './deps.js';
import { getFramework } from '../frameworks/index.js';
import { DETECTION, GUNICORN_MARKER, TELEMETRY_BINDING } from './frameworks.js';
import { gunicornUse } from './gunicorn.js';
import type { AnalyzedFile, OtelRecord, ProjectReport } from './types.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  code: string;
  severity: Severity;
  message: string;
  /** path:line */
  where?: string;
  /** What to do about it. */
  fix?: string;
}

const at = (file: { path: string }, line: number | null | undefined) => (line ? `${file.path}:${line}` : file.path);

type Located = OtelRecord & { file: AnalyzedFile };

function otelRecords(report: ProjectReport): Located[] {
  return report.files.flatMap((file) => (file.otel ?? []).map((o) => ({ ...o, file })));
}

/** Project files that mention an OTEL_* variable, e.g. OTEL_PYTHON_FASTAPI_EXCLUDED_URLS in a compose file. */
function mentionsEnv(texts: Record<string, string> | undefined, name: string): boolean {
  return Object.values(texts ?? {}).some((t) => t.includes(name));
}

export function diagnose(report: ProjectReport & { texts?: Record<string, string> }): Finding[] {
  const findings: Finding[] = [];
  const add = (f: Finding) => findings.push(f);

  for (const e of report.syntaxErrors) {
    add({
      code: 'syntax-error',
      severity: 'error',
      message: `cannot parse: ${e.message}`,
      where: `${e.path}${e.line ? `:${e.line}` : ''}`,
      fix: 'fix the syntax error; nothing can be analysed or changed in this file until then',
    });
  }

  const framework = report.framework ? DETECTION.find((d) => d.name === report.framework!.name) : undefined;
  if (framework && !framework.supported) {
    const supported = DETECTION.filter((d) => d.supported)
      .map((d) => d.displayName)
      .join(', ');
    add({
      code: 'unsupported-framework',
      severity: 'error',
      message: `${framework.displayName} detected (${report.framework!.evidence[0]}); add-tracing and doctor support ${supported} so far`,
    });
    return findings;
  }
  const fw = framework ?? DETECTION[0]!;
  const ctor = `${fw.constructors[0]?.[1] ?? fw.displayName}()`;
  if (report.candidates.length === 0) {
    add({
      code: 'no-app',
      severity: 'error',
      message:
        (report.framework
          ? `${fw.displayName} is a dependency (${report.framework.evidence[0]}) but no ${fw.constructors[0]?.[1] ?? fw.displayName}(...) construction was found in the code`
          : 'no app found: no dependency file names a supported framework and no module constructs one') +
        unreadNote(report),
      fix: "run it in the service's directory, or pass --app module:attr",
    });
    return findings;
  }

  // The app itself: which one, how it is served, what it already has.
  const app = report.selected;
  if (!app) {
    add({
      code: 'ambiguous-app',
      severity: 'error',
      message: report.ambiguity ?? 'cannot decide which app to trace',
      fix: 'pass --app module:attr',
    });
  } else {
    const c = app.construction;
    const serve = report.selectedServe;
    add({
      code: 'app',
      severity: 'info',
      message: `${fw.displayName} app ${c.target ? `\`${c.target}\` ` : ''}built ${c.function ? `in ${c.function}() ` : ''}at ${app.id}${serve ? `, served as ${describeTarget(serve)}${serve.appDir ? ` from ${serve.appDir}/` : ''}` : ''}`,
    });
    if (c.lifespan) {
      add({
        code: 'lifespan',
        severity: 'info',
        message: `has a lifespan (${c.lifespan.source ?? '?'}, line ${c.lifespan.line}): kept as it is; the flush is composed after its shutdown`,
        where: at(app.file, c.lifespan.line),
      });
    }
    if (app.eventHandlers.length > 0 || c.onStartup || c.onShutdown) {
      const list = app.eventHandlers.map((h) => `${h.event} ${h.function ?? ''}`.trim()).join(', ');
      add({
        code: 'event-handlers',
        severity: 'info',
        message: `has startup/shutdown handlers${list ? ` (${list})` : ''}: kept; they run before the flush`,
      });
    }
  }
  const others = report.candidates.filter((c) => c !== app);
  for (const other of others) {
    add({
      code: other.mountedIn ? 'mounted-app' : 'other-app',
      severity: 'info',
      message: other.mountedIn
        ? `app at ${other.id} is mounted into another app (${other.mountedIn}): it is traced through that app's middleware`
        : other.construction.framework === 'django'
          ? `Django is also started at ${other.id} (${other.construction.constructor}()): every entry point is instrumented the same way`
          : `another ${other.construction.constructor} app is built at ${other.id}`,
    });
  }

  const records = otelRecords(report);
  const appFile = app?.file;
  const ours = Boolean(app && app.instrumented && appFile?.ourImport);
  // A package's __init__ runs before the app module, so a provider set there still wins over ours.
  const runsBeforeOurs = (r: Located) =>
    Boolean(appFile && r.file.isPackageInit && r.function === null && appFile.module.startsWith(`${r.file.module}.`));
  const theirs = records.filter((r) => r.kind !== 'ourInstrument' && !(r.file.path === report.telemetryModule?.path));

  // The launcher in start commands breaks async context whatever the code does.
  for (const cmd of report.startCommands.filter((c) => c.wrapper)) {
    add({
      code: 'cli-wrapper',
      severity: 'error',
      message:
        fw.name === 'fastapi' || fw.name === 'starlette'
          ? `the opentelemetry-instrument CLI wrapper starts the service: it injects synchronous middleware that bypasses ${fw.displayName}'s async ASGI stack (broken parent-child relationships)`
          : 'the opentelemetry-instrument CLI wrapper starts the service: it instruments by patching at start-up, apart from the provider the code builds',
      where: `${cmd.path}:${cmd.line}`,
      fix: `drop the wrapper and call ${fw.instrumentor}.instrument_app() programmatically after the app is constructed`,
    });
  }

  if (ours) {
    add({
      code: 'traced',
      severity: 'info',
      message: `traced by add-tracing: ${TELEMETRY_BINDING} is imported before the app is built and instrument_app() follows the construction (explicit provider, excluded URLs, flush on shutdown)`,
      where: app!.id,
    });
    for (const r of theirs) {
      const superseded = !runsBeforeOurs(r);
      const what = describeRecord(r);
      if (r.kind === 'instrumentGlobal') {
        add({
          code: 'global-instrument',
          severity: 'error',
          where: at(r.file, r.line),
          message: `${what} patches the ${fw.displayName} class globally and can pre-empt the explicit instrument_app()`,
          fix: 'delete it: instrument_app() already covers the app',
        });
        continue;
      }
      if (r.kind === 'flush') continue;
      add({
        code: 'superseded',
        severity: superseded ? 'warning' : 'error',
        where: at(r.file, r.line),
        message: superseded
          ? `${what} is superseded by ${report.telemetryModule?.path ?? 'the telemetry module'}: its provider never becomes the global one and the app is already instrumented`
          : `${what} runs in a package __init__ before the telemetry module, so its provider wins`,
        fix: 'delete the old setup so nobody maintains it by mistake',
      });
    }
  } else {
    const instrumentCalls = theirs.filter(
      (r): r is Located & { kind: 'instrumentApp' } =>
        r.kind === 'instrumentApp' && (r.instrumentor ?? '') === fw.instrumentor,
    );
    // Django has no app object to instrument: DjangoInstrumentor().instrument() is the right call.
    const isDjango = fw.name === 'django';
    const instrumentors = theirs.filter(
      (r) => r.kind === 'instrumentGlobal' && (r as { instrumentor: string }).instrumentor === fw.instrumentor,
    );
    const djangoCalls = isDjango ? instrumentors : [];
    const globalCalls = isDjango ? [] : instrumentors;
    if (app && isDjango) {
      const c = app.construction;
      for (const call of djangoCalls) {
        if (call.file.path === app.file.path && call.function === c.function && call.line > c.endLine) {
          add({
            code: 'django-instrument-late',
            severity: 'error',
            where: at(call.file, call.line),
            message: `DjangoInstrumentor().instrument() runs after ${c.constructor}() at ${app.id} built the handler, which read settings.MIDDLEWARE already: no request gets a span`,
            fix: 'call it after DJANGO_SETTINGS_MODULE is set and before the handler is built, in every entry point',
          });
        }
      }
    }
    const providers = theirs.filter((r) => r.kind === 'provider');
    if (instrumentCalls.length === 0 && instrumentors.length === 0) {
      add({
        code: 'not-instrumented',
        severity: 'error',
        message: isDjango
          ? `Django is not instrumented: nothing calls DjangoInstrumentor().instrument() before ${ctor} builds the handler, so requests produce no server span`
          : `the app is not instrumented: nothing calls ${fw.instrumentor}.instrument_app(app) after ${ctor} is constructed, so requests produce no server span`,
        ...(app ? { where: app.id } : {}),
        fix: 'create-traced-service add-tracing adds it',
      });
    }
    for (const g of globalCalls) {
      add({
        code: 'global-instrument',
        severity: 'warning',
        where: at(g.file, g.line),
        message: `${describeRecord(g)} patches the ${fw.displayName} class globally instead of instrumenting the app that exists`,
        fix: `call ${fw.instrumentor}.instrument_app(app, tracer_provider=provider) right after ${ctor}`,
      });
    }
    for (const call of instrumentCalls) {
      if (!call.hasProvider) {
        add({
          code: 'implicit-provider',
          severity: 'warning',
          where: at(call.file, call.line),
          message:
            'instrument_app() is not given tracer_provider=: the middleware binds to whatever provider is global when it runs (a stale default if the provider is set later)',
          fix: 'pass the provider you registered explicitly',
        });
      }
      const envName = excludedUrlsEnv(fw.name);
      if (
        !call.hasExcludedUrls &&
        !mentionsEnv(report.texts, envName) &&
        !mentionsEnv(report.texts, 'OTEL_PYTHON_EXCLUDED_URLS')
      ) {
        add({
          code: 'health-not-excluded',
          severity: 'error',
          where: at(call.file, call.line),
          message:
            'health checks are not excluded: instrument_app() has no excluded_urls, so liveness probes, metrics scrapes and the docs UI create spans that dominate volume and cost',
          fix: `pass excluded_urls="healthz,metrics,docs" (or set ${envName})`,
        });
      }
    }
    if (providers.length === 0 && (instrumentCalls.length > 0 || instrumentors.length > 0)) {
      add({
        code: 'no-provider',
        severity: 'error',
        message:
          'no TracerProvider is built in the code: the instrumentation records into the no-op default provider unless a launcher configures one',
        fix: 'build the resource and provider with a BatchSpanProcessor before the app exists',
      });
    }
    for (const p of theirs.filter((r) => r.kind === 'processor')) {
      const proc = p as Located & { kind: 'processor' };
      if (
        proc.processor === 'SimpleSpanProcessor' &&
        proc.exporter !== 'ConsoleSpanExporter' &&
        proc.exporter !== 'InMemorySpanExporter'
      ) {
        add({
          code: 'simple-span-processor',
          severity: 'error',
          where: at(p.file, p.line),
          message: `SimpleSpanProcessor with ${proc.exporter ?? 'an exporter'}: it exports synchronously on every span end, blocking the event loop (SimpleSpanProcessor stalls under load)`,
          fix: 'use a BatchSpanProcessor (max_queue_size about 2x peak concurrency, schedule_delay_millis 2000-5000)',
        });
      }
    }
    // The other two signals: a hand-written setup that traces only leaves the instrumentation's HTTP
    // metrics and the app's logs (and their trace ids) behind.
    if (providers.length > 0) {
      const where = at(providers[0]!.file, providers[0]!.line);
      if (!theirs.some((r) => r.kind === 'meterProvider')) {
        add({
          code: 'no-metrics',
          severity: 'warning',
          where,
          message:
            'traces only, no MeterProvider: the HTTP server metrics the instrumentation records (http.server.request.duration) are dropped',
          fix: 'build a MeterProvider with a PeriodicExportingMetricReader and pass meter_provider= to the instrumentation (add-tracing does)',
        });
      }
      if (!theirs.some((r) => r.kind === 'loggerProvider')) {
        add({
          code: 'no-logs',
          severity: 'warning',
          where,
          message:
            'traces only, no LoggerProvider: log records are not exported over OTLP and carry no trace or span id to find them from a trace',
          fix: 'build a LoggerProvider with a BatchLogRecordProcessor and hand it the logging records (add-tracing does)',
        });
      }
    }
    for (const p of theirs.filter((r) => r.kind === 'simpleLogProcessor')) {
      add({
        code: 'simple-log-processor',
        severity: 'error',
        where: at(p.file, p.line),
        message:
          'SimpleLogRecordProcessor exports every log record synchronously on the logging call, on the request path',
        fix: 'use a BatchLogRecordProcessor, flushed on shutdown with the tracer provider',
      });
    }
    if (providers.length > 0 && !theirs.some((r) => r.kind === 'flush')) {
      add({
        code: 'no-flush',
        severity: 'error',
        where: at(providers[0]!.file, providers[0]!.line),
        message:
          'no flush on shutdown: nothing calls provider.force_flush()/shutdown() in the lifespan or a shutdown handler, so spans buffered at exit are lost (spans lost on restart)',
        fix: "force-flush and shut down the provider after the lifespan's yield",
      });
    }
    // A provider set after the app is built: the middleware may bind to the stale default.
    if (app && appFile) {
      const c = app.construction;
      const late: { where: string; what: string }[] = [];
      for (const r of theirs) {
        if (r.kind !== 'setProvider') continue;
        if (r.file.path === appFile.path && r.function === c.function && r.line > c.endLine)
          late.push({ where: at(r.file, r.line), what: 'trace.set_tracer_provider()' });
      }
      const setupNames = new Set(report.files.flatMap((f) => (f.setupFunctions ?? []).map((s) => s.name)));
      for (const call of appFile.calls ?? []) {
        const name = call.callee.split('.').pop()!;
        if (setupNames.has(name) && call.function === c.function && call.line > c.endLine)
          late.push({ where: at(appFile, call.line), what: `${call.callee}() (which sets the tracer provider)` });
      }
      for (const l of late) {
        add({
          code: 'provider-after-app',
          severity: 'error',
          where: l.where,
          message: `a provider is set after the app is built: ${l.what} runs after ${ctor} at ${app.id}`,
          fix: 'bootstrap the provider before the app exists (import the telemetry module first)',
        });
      }
    }
  }

  // Dependencies: matched versions.
  for (const m of mismatchedOtelVersions(report.dependencyFiles)) {
    add({
      code: 'version-mismatch',
      severity: 'error',
      where: `${m.file}:${m.line}`,
      message: `mismatched OpenTelemetry versions: ${m.detail}; the ASGI wrapper can fall out of step with the SDK and lose async context`,
      fix: 'pin a matched set (add-tracing aligns them)',
    });
  }
  for (const f of report.dependencyFiles) {
    for (const r of f.requirements) {
      if (
        (/^opentelemetry-(sdk|api)$/.test(r.name) || r.name === `opentelemetry-instrumentation-${fw.name}`) &&
        !r.exact
      ) {
        add({
          code: 'unpinned-otel',
          severity: ours ? 'error' : 'warning',
          where: `${f.path}:${r.line}`,
          message: `${r.written}${r.spec ? ` ${r.spec}` : ''} is not pinned: pip can resolve an SDK and instrumentation that fall out of step`,
          fix: 'pin the matched set exactly',
        });
      }
    }
  }
  // A WSGI app served by gunicorn: without the hooks, workers share nothing but also flush nothing at exit.
  if (ours && (fw.name === 'flask' || fw.name === 'django') && report.texts) {
    const use = gunicornUse(report as ProjectReport & { texts: Record<string, string> });
    if (use.used && !(report.texts[use.config] ?? '').includes(GUNICORN_MARKER)) {
      add({
        code: 'gunicorn-no-worker-flush',
        severity: 'error',
        where: use.config,
        message: `gunicorn serves the app but ${use.config} has no worker_exit flush: spans buffered in a worker are lost when it stops`,
        fix: 'run add-tracing again to compose the post_fork/worker_exit hooks into it',
      });
    }
  }
  if (ours) {
    const declared = new Set(report.dependencyFiles.flatMap((f) => f.requirements.map((r) => r.name)));
    for (const needed of ['opentelemetry-sdk', `opentelemetry-instrumentation-${fw.name}`]) {
      if (!declared.has(needed))
        add({
          code: 'missing-dependency',
          severity: 'error',
          message: `${needed} is not declared in any dependency file, but the code imports it`,
          fix: 'run add-tracing again to add the matched set',
        });
    }
  }
  return findings;
}

function excludedUrlsEnv(framework: string): string {
  return getFramework(framework).existing.excludedUrlsEnv;
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

/** "; not parsed: big.py (larger than 2 MB), ..." when files were left out, so "no app" is never a silent guess. */
export function unreadNote(report: Pick<ProjectReport, 'unread'>): string {
  if (report.unread.length === 0) return '';
  const named = report.unread.slice(0, 3).map((u) => `${u.path} (${u.reason})`);
  return `; not parsed: ${named.join(', ')}${report.unread.length > 3 ? ` and ${report.unread.length - 3} more` : ''}`;
}

export function hasErrors(findings: Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

export function formatFindings(findings: Finding[], options: { color: boolean }): string {
  const c = options.color ? pc : pc.createColors(false);
  const icon: Record<Severity, string> = { error: c.red('✖'), warning: c.yellow('!'), info: c.blue('i') };
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`  ${icon[f.severity]} ${f.where ? `${c.dim(f.where)} ` : ''}${f.message}`);
    if (f.fix && f.severity !== 'info') lines.push(`      ${c.yellow('→')} ${f.fix}`);
  }
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  lines.push(
    '',
    errors > 0
      ? c.red(
          `${errors} problem${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`,
        )
      : c.green(`no problems${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}`),
  );
  return lines.join('\n');
}
