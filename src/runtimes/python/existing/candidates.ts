/**
 * The apps a project builds, as candidates: where each is constructed, how it is served (start commands,
 * module-level bindings, factories), whether it is mounted into another; and which one add-tracing works on.
 */
import { DETECTION } from './frameworks.js';
import type { StartCommand } from './start-commands.js';
import type { AnalyzedFile, AppCandidate, ProjectReport, ServeTarget } from './types.js';

const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);

/**
 * Whether a module path the analysis made from file and folder names is one Python can import: dotted
 * identifiers, no keywords. The one check between a repository's paths and the code add-tracing writes
 * (a folder named `pkg\nimport os; ...` would otherwise become a line of the app module).
 */
export function isModuleName(name: string): boolean {
  return name
    .split('.')
    .every((part) => /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u.test(part) && !KEYWORDS.has(part));
}

/** The local name `name` in `file` refers to `module.attr` through a `from module import attr` import. */
function importedFrom(file: AnalyzedFile, local: string): { module: string; name: string } | undefined {
  for (const i of file.imports ?? []) {
    if (i.kind === 'from' && i.name && (i.as ?? i.name) === local) {
      if (i.level === 0) return { module: i.module, name: i.name };
      // Relative import: resolve against the importing module's package.
      const pkg = file.module.split('.');
      const base = file.isPackageInit ? pkg : pkg.slice(0, -1);
      const up = base.slice(0, base.length - (i.level - 1));
      return { module: [...up, ...(i.module ? [i.module] : [])].join('.'), name: i.name };
    }
  }
  return undefined;
}

function serveTargets(
  file: AnalyzedFile,
  app: NonNullable<AnalyzedFile['apps']>[number],
  all: AnalyzedFile[],
): ServeTarget[] {
  const targets: ServeTarget[] = [];
  const appDir = file.importRoot;
  if (app.className) return targets;
  if (!app.function && app.kind === 'assign' && app.target && /^[A-Za-z_]\w*$/.test(app.target)) {
    targets.push({ module: file.module, attr: app.target, factory: false, appDir, source: 'module' });
  }
  if (app.function) {
    // Module-level `app = create_app()`, in this module or in one that imports the factory.
    for (const other of all) {
      for (const call of other.factoryCalls ?? []) {
        if (call.function !== null || !/^[A-Za-z_]\w*$/.test(call.var)) continue;
        const callee = call.callee.split('.');
        const last = callee.at(-1)!;
        if (last !== app.function) continue;
        const refersHere =
          (other.path === file.path && callee.length === 1) ||
          (callee.length === 1 && importedFrom(other, last)?.module === file.module) ||
          callee.slice(0, -1).join('.') === file.module;
        if (refersHere)
          targets.push({
            module: other.module,
            attr: call.var,
            factory: false,
            appDir: other.importRoot,
            source: 'factory-call',
          });
      }
    }
    targets.push({ module: file.module, attr: app.function, factory: true, appDir, source: 'factory' });
  }
  return targets;
}

function matchesRef(target: ServeTarget, ref: string): boolean {
  const [module, attr] = ref.split(':');
  return target.module === module && target.attr === attr;
}

function isMountedIn(file: AnalyzedFile, target: string | null, all: AnalyzedFile[]): string | undefined {
  if (!target) return undefined;
  for (const other of all) {
    for (const m of other.mounts ?? []) {
      if (m.target === m.app) continue;
      if (other.path === file.path && m.app === target) return `${other.path}:${m.line}`;
      const via = importedFrom(other, m.app);
      if (via && via.module === file.module && via.name === target) return `${other.path}:${m.line}`;
      if (m.app === `${file.module}.${target}`) return `${other.path}:${m.line}`;
    }
  }
  return undefined;
}

export function buildCandidates(files: AnalyzedFile[], startCommands: StartCommand[]): AppCandidate[] {
  const supported = new Set(DETECTION.filter((d) => d.supported).map((d) => d.name));
  const candidates: AppCandidate[] = [];
  for (const file of files) {
    for (const app of file.apps ?? []) {
      if (!supported.has(app.framework)) continue;
      let serve = serveTargets(file, app, files);
      // A start command (or uvicorn.run in the code) naming one of these targets makes it the one to use.
      serve = serve.map((t) => {
        const cmd = startCommands.find((c) => c.app && matchesRef(t, c.app));
        if (cmd)
          return {
            ...t,
            factory: t.factory || cmd.factory,
            appDir: cmd.appDir ?? t.appDir,
            source: 'start-command' as const,
          };
        const run = files.some((f) => (f.uvicornRuns ?? []).some((r) => r.isString && r.app && matchesRef(t, r.app)));
        return run ? { ...t, source: 'uvicorn.run' as const } : t;
      });
      const order: ServeTarget['source'][] = [
        'flag',
        'start-command',
        'uvicorn.run',
        'module',
        'factory-call',
        'factory',
      ];
      serve.sort((a, b) => order.indexOf(a.source) - order.indexOf(b.source));
      const mountedIn = isMountedIn(file, app.target, files);
      const instrumented =
        (app.framework === 'django' &&
          (file.otel ?? []).some(
            (o) => o.kind === 'ourInstrument' && o.function === app.function && o.line < app.line,
          )) ||
        (app.framework !== 'django' && app.wrapped === true) ||
        (file.otel ?? []).some(
          (o) =>
            o.kind === 'ourInstrument' && o.target === app.target && o.function === app.function && o.line > app.line,
        );
      const eventHandlers = (file.eventHandlers ?? []).filter(
        (h) => app.target && (h.target === app.target || h.target === `${app.target}.router`),
      );
      candidates.push({
        id: `${file.path}:${app.line}`,
        file,
        construction: app,
        serve,
        ...(mountedIn ? { mountedIn } : {}),
        eventHandlers,
        instrumented,
      });
    }
  }
  return candidates;
}

/**
 * The settings module of a Django project, from what manage.py / wsgi.py / asgi.py set
 * DJANGO_SETTINGS_MODULE to (else the environment), and the files that start Django.
 */
export function djangoProject(files: AnalyzedFile[]): ProjectReport['django'] {
  const entryFiles = files
    .filter((f) => (f.apps ?? []).some((a) => a.framework === 'django') || (f.djangoCommands ?? []).length > 0)
    .map((f) => f.path);
  const order = (f: AnalyzedFile) => (f.path.endsWith('manage.py') ? 0 : /(^|\/)(wsgi|asgi)\.py$/.test(f.path) ? 1 : 2);
  const setting = [...files]
    .sort((a, b) => order(a) - order(b))
    .flatMap((f) => (f.djangoSettings ?? []).map((d) => ({ ...d, path: f.path })))[0];
  const fromEnv = process.env.DJANGO_SETTINGS_MODULE;
  const settingsModule = setting?.module ?? fromEnv;
  if (!settingsModule) return undefined;
  const settingsFile = files.find((f) => f.module === settingsModule)?.path;
  return {
    settingsModule,
    source: setting ? `${setting.path}:${setting.line}` : 'the DJANGO_SETTINGS_MODULE environment variable',
    ...(settingsFile ? { settingsFile } : {}),
    entryFiles,
  };
}

export function describeTarget(t: ServeTarget): string {
  return `${t.module}:${t.attr}${t.factory ? ' (factory)' : ''}`;
}

export function selectApp(
  candidates: AppCandidate[],
  flag: string | undefined,
): { selected?: AppCandidate; serve?: ServeTarget; ambiguity?: string } {
  if (flag !== undefined) {
    if (!/^[A-Za-z_][\w.]*:[A-Za-z_]\w*$/.test(flag))
      return { ambiguity: `--app ${JSON.stringify(flag)} must look like module:attr (e.g. app.main:app)` };
    for (const c of candidates) {
      const t = c.serve.find((s) => matchesRef(s, flag));
      if (t) return { selected: c, serve: { ...t, source: 'flag' } };
    }
    const known = candidates.flatMap((c) => c.serve.map(describeTarget));
    return {
      ambiguity: `--app ${flag} does not name an app built in this project${known.length ? ` (found: ${known.join(', ')})` : ''}`,
    };
  }
  const roots = candidates.filter((c) => !c.mountedIn);
  if (roots.length === 0) return {};
  const servable = roots.filter((c) => c.serve.length > 0);
  if (roots.length === 1 && servable.length === 1) return { selected: roots[0]!, serve: roots[0]!.serve[0]! };
  const started = servable.filter(
    (c) => c.serve[0]!.source === 'start-command' || c.serve[0]!.source === 'uvicorn.run',
  );
  if (started.length === 1) return { selected: started[0]!, serve: started[0]!.serve[0]! };
  // Django: the WSGI and ASGI modules are two doors to one project; every entry point gets instrumented.
  if (servable.length > 0 && servable.every((c) => c.construction.framework === 'django')) {
    const wsgi = servable.find((c) => c.construction.constructor === 'get_wsgi_application') ?? servable[0]!;
    return { selected: wsgi, serve: wsgi.serve[0]! };
  }
  if (roots.length === 1) {
    return {
      ambiguity: `the ${roots[0]!.construction.constructor} app at ${roots[0]!.id} is built inside ${roots[0]!.construction.className ? `class ${roots[0]!.construction.className}` : 'a function'} and cannot be served by name`,
    };
  }
  return {
    ambiguity: `found ${roots.length} ${new Set(roots.map((c) => c.construction.constructor)).size === 1 ? `${roots[0]!.construction.constructor} ` : ''}apps (${roots.map((c) => `${c.id}${c.serve[0] ? ` as ${describeTarget(c.serve[0])}` : ''}`).join('; ')}) and no start command that picks one`,
  };
}
