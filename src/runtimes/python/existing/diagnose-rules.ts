/**
 * The doctor's rules, one function per kind of finding, in the order they are reported. Each reads the
 * shared view of the project (DiagnosisContext) and returns its findings; none has side effects. Those for
 * a hand-written set-up are in diagnose-unwired.ts.
 */
import { describeTarget } from './candidates.js';
import { mismatchedOtelVersions } from './deps.js';
import type { Finding } from '../../../pipeline/findings.js';
import { at, describeRecord, type DiagnosisContext, type Located, type Rule } from './diagnose-context.js';
import { NATIVE_RULES } from './diagnose-native.js';
import { UNWIRED } from './diagnose-unwired.js';
import { GUNICORN_MARKER, TELEMETRY_BINDING } from './frameworks.js';
import { gunicornUse } from './gunicorn.js';
import type { ProjectReport } from './types.js';

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

const missingDependency: Rule = ({ report, fw, ours, app }) => {
  if (!ours) return [];
  const declared = new Set(report.dependencyFiles.flatMap((f) => f.requirements.map((r) => r.name)));
  // An app given add-tracing's telemetry= is traced by FastAPI itself: no instrumentation package.
  const native = app?.construction.telemetry?.ours === true;
  return ['opentelemetry-sdk', ...(native ? [] : [`opentelemetry-instrumentation-${fw.name}`])]
    .filter((needed) => !declared.has(needed))
    .map((needed) => ({
      code: 'missing-dependency',
      severity: 'error',
      message: `${needed} is not declared in any dependency file, but the code imports it`,
      fix: 'run add-tracing again to add the matched set',
    }));
};

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
    ...NATIVE_RULES,
    versionMismatch,
    unpinnedOtel,
    gunicornWorkerFlush,
    missingDependency,
  ];
}
