/**
 * detect(dir) -> ProjectReport: everything add-tracing and doctor need to know about an existing project,
 * gathered before anything is touched. Python code is parsed by templates/add-tracing/analyze.py, run in
 * isolated mode by the newest interpreter on the machine (never one from the project: inspecting a
 * checkout executes none of its code); dependency and start files are read here.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse as parseToml } from 'smol-toml';
import { UsageError } from '../errors.js';
import { ANSWERS_FILE, TEMPLATES_DIR } from '../paths.js';
import { normalizeName, readPyproject, readRequirementsFile, readSetupCfg, type DependencyFile } from './deps.js';
import { DEPENDENCY_PRIORITY, DETECTION, TELEMETRY_BINDING, TELEMETRY_MARKER } from './frameworks.js';
import { DEFAULT_GUNICORN_CONFIG } from './gunicorn.js';
import { parserPython } from './parser-python.js';
import { findStartCommands, isStartFile, type StartCommand } from './start-commands.js';
import type { AnalysedProject, AnalyzedFile, AppCandidate, ProjectReport, ServeTarget } from './types.js';

export const ANALYZER = path.join(TEMPLATES_DIR, 'add-tracing', 'analyze.py');

const SKIP_DIRS = new Set([
  '.git',
  '.hg',
  '.svn',
  '.venv',
  'venv',
  'env',
  'node_modules',
  '__pycache__',
  '.tox',
  '.nox',
  'build',
  'dist',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  'site-packages',
  '.eggs',
  '.idea',
  '.vscode',
]);
const MAX_DEPTH = 4;

export interface DetectOptions {
  /** --app module:attr */
  app?: string;
}

/** Project files (POSIX, relative) up to a small depth, skipping virtualenvs and caches. */
async function listProjectFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string, depth: number) => {
    let entries;
    try {
      entries = await readdir(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (depth >= MAX_DEPTH || SKIP_DIRS.has(e.name) || e.name.endsWith('.egg-info')) continue;
        if (existsSync(path.join(root, child, 'pyvenv.cfg'))) continue;
        await walk(child, depth + 1);
      } else if (e.isFile()) out.push(child);
    }
  };
  await walk('', 0);
  return out;
}

export async function runAnalyzer(
  python: string,
  root: string,
): Promise<{ files: AnalyzedFile[]; truncated: boolean }> {
  const constructors = Object.fromEntries(
    DETECTION.filter((d) => d.constructors.length > 0).map((d) => [d.name, d.constructors]),
  );
  // -I: no PYTHON* variables, no user site, no script or current directory on sys.path; cwd outside the project.
  const result = await execa(
    python,
    ['-I', '-B', ANALYZER, root, JSON.stringify({ constructors, marker: TELEMETRY_BINDING })],
    {
      cwd: os.tmpdir(),
      timeout: 120_000,
      reject: false,
      maxBuffer: 256 * 1024 * 1024,
      env: { PYTHONDONTWRITEBYTECODE: '1' },
    },
  );
  if (result.exitCode !== 0) {
    throw new Error(
      `the Python analyzer failed (${python} exited with ${result.exitCode ?? result.signal}): ${String(result.stderr).trim().split('\n').pop()}`,
    );
  }
  return JSON.parse(String(result.stdout)) as { files: AnalyzedFile[]; truncated: boolean };
}

const TEXT_LIMIT = 2_000_000;

async function readText(file: string): Promise<string | undefined> {
  try {
    const s = await stat(file);
    if (!s.isFile() || s.size > TEXT_LIMIT) return undefined;
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

function isRequirementsFile(rel: string): boolean {
  const base = rel.split('/').pop()!;
  return (
    (/^requirements.*\.(txt|in)$/i.test(base) || (/(^|\/)requirements\//.test(rel) && /\.(txt|in)$/.test(base))) &&
    !base.endsWith('.in')
  );
}

export async function readDependencyFiles(
  root: string,
  files: string[],
): Promise<{ deps: DependencyFile[]; texts: Record<string, string>; projectName?: string }> {
  const deps: DependencyFile[] = [];
  const texts: Record<string, string> = {};
  let projectName: string | undefined;
  for (const rel of files) {
    if (rel === 'pyproject.toml') {
      const text = await readText(path.join(root, rel));
      if (text === undefined) continue;
      texts[rel] = text;
      deps.push(...readPyproject(rel, text));
      try {
        const data = parseToml(text) as { project?: { name?: unknown }; tool?: { poetry?: { name?: unknown } } };
        const name = data.project?.name ?? data.tool?.poetry?.name;
        if (typeof name === 'string' && name.trim() !== '') projectName = name.trim();
      } catch {
        // reported by readPyproject
      }
    } else if (rel === 'setup.cfg') {
      const text = await readText(path.join(root, rel));
      if (text === undefined) continue;
      const parsed = readSetupCfg(rel, text);
      if (parsed) {
        texts[rel] = text;
        deps.push(parsed);
      }
    } else if (isRequirementsFile(rel)) {
      const text = await readText(path.join(root, rel));
      if (text === undefined) continue;
      texts[rel] = text;
      deps.push(readRequirementsFile(rel, text));
    }
  }
  return { deps, texts, ...(projectName ? { projectName } : {}) };
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

export async function detectProject(rootArg: string, options: DetectOptions = {}): Promise<AnalysedProject> {
  const root = path.resolve(rootArg);
  let s;
  try {
    s = await stat(root);
  } catch {
    throw new UsageError(`${root} does not exist`);
  }
  if (!s.isDirectory()) throw new UsageError(`${root} is not a directory`);

  const parser = await parserPython(root);
  const python = { command: parser.command, version: parser.version, fromProjectVenv: false };
  const analyzed = await runAnalyzer(python.command, root);
  const listing = await listProjectFiles(root);
  const { deps, texts, projectName } = await readDependencyFiles(root, listing);

  const startCommands: StartCommand[] = [];
  for (const rel of listing.filter(isStartFile)) {
    const text = await readText(path.join(root, rel));
    if (text === undefined) continue;
    const found = findStartCommands(rel, text);
    if (found.length > 0) {
      texts[rel] = text;
      startCommands.push(...found);
    }
  }

  // gunicorn's config: the file a start command names, and ./gunicorn.conf.py (gunicorn's default).
  const gunicornConfigs = new Set([
    DEFAULT_GUNICORN_CONFIG,
    ...startCommands.flatMap((c) => (c.config ? [c.config.replace(/^\.\//, '')] : [])),
  ]);
  for (const rel of gunicornConfigs) {
    const text = await readText(path.join(root, rel));
    if (text !== undefined) texts[rel] = text;
  }

  // Framework: from the dependency files and from the code.
  const evidence = new Map<string, string[]>();
  for (const d of DETECTION) {
    const ev: string[] = [];
    for (const f of deps)
      for (const r of f.requirements)
        if (d.distributions.map(normalizeName).includes(r.name))
          ev.push(`${r.written}${r.spec ? ` ${r.spec}` : ''} in ${f.path}`);
    for (const f of analyzed.files)
      for (const a of f.apps ?? []) if (a.framework === d.name) ev.push(`${a.constructor}() in ${f.path}:${a.line}`);
    if (ev.length > 0) evidence.set(d.name, ev);
  }

  // A module linked to another file of the project is that file: keep the link (the name it is served
  // by) and drop the target's duplicate; edits go to the target through the link.
  const linkedTargets = new Set(analyzed.files.map((f) => f.symlink).filter((t): t is string => typeof t === 'string'));
  const candidates = buildCandidates(
    analyzed.files.filter((f) => !linkedTargets.has(f.path)),
    startCommands,
  );
  const { selected, serve, ambiguity } = selectApp(candidates, options.app);
  // The framework of the app being traced; else of the apps the code builds; else the dependencies'.
  const built = candidates.filter((c) => !c.mountedIn).map((c) => c.construction.framework);
  const frameworkName =
    selected?.construction.framework ??
    DEPENDENCY_PRIORITY.find((n) => built.includes(n)) ??
    DEPENDENCY_PRIORITY.find((n) => evidence.has(n)) ??
    [...evidence.keys()][0];

  const report: ProjectReport & { texts: Record<string, string> } = {
    root,
    python,
    ...(frameworkName ? { framework: { name: frameworkName, evidence: evidence.get(frameworkName)! } } : {}),
    ...(projectName ? { projectName } : {}),
    files: analyzed.files,
    syntaxErrors: analyzed.files
      .filter((f) => f.syntaxError)
      .map((f) => ({ path: f.path, line: f.syntaxError!.line, message: f.syntaxError!.message })),
    unread: analyzed.files
      .filter((f) => f.skipped || f.readError)
      .map((f) => ({ path: f.path, reason: f.skipped ?? f.readError! })),
    candidates,
    ...(selected ? { selected } : {}),
    ...(serve ? { selectedServe: serve } : {}),
    ...(ambiguity ? { ambiguity } : {}),
    dependencyFiles: deps,
    startCommands,
    truncated: analyzed.truncated,
    texts,
  };

  if (frameworkName === 'django') {
    const django = djangoProject(analyzed.files);
    if (django) {
      report.django = django;
      for (const rel of django.entryFiles) {
        const text = await readText(path.join(root, rel));
        if (text !== undefined) texts[rel] = text;
      }
    }
  }
  if (selected) {
    const text = await readText(path.join(root, selected.file.path));
    if (text !== undefined) texts[selected.file.path] = text;
    const dir = path.posix.dirname(selected.file.path);
    for (const name of ['telemetry.py', 'otel_telemetry.py']) {
      const rel = dir === '.' ? name : `${dir}/${name}`;
      const content = await readText(path.join(root, rel));
      if (content === undefined) continue;
      texts[rel] = content;
      if (content.includes(TELEMETRY_MARKER)) report.telemetryModule = { path: rel, ours: true };
    }
  }
  const answersText = await readText(path.join(root, ANSWERS_FILE));
  if (answersText !== undefined) {
    texts[ANSWERS_FILE] = answersText;
    try {
      const raw = JSON.parse(answersText) as Record<string, unknown>;
      report.answers = { raw, generated: raw.existing === undefined };
    } catch {
      report.answers = { raw: {}, generated: false };
    }
  }
  return report;
}
