/**
 * The one analysis of an existing Node service that doctor and add-tracing share: package.json, the
 * package manager, the start command and entry module, TypeScript, the Dockerfile, and the modules the
 * entry loads in the order Node evaluates them (each read with the parser in scan.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { dockerStart, type DockerStart } from './dockerfile.js';
import { isDataModule, resolveEntry, resolveLocal } from './resolve.js';
import { scanModuleCached, type ScannedModule } from './scan.js';
import { parseStartScript, type NodeCommand } from './start-command.js';
import { readTextIfExistsSync } from '../../../core/read-file.js';
import { parsePackageJson, type PackageJson } from './package-json-schema.js';

export type { PackageJson } from './package-json-schema.js';

export const BOOTSTRAP_FILE = 'telemetry.mjs';
/** First line of the bootstrap add-tracing writes: how a later run knows the file is its own. */
export const BOOTSTRAP_MARKER = '// OpenTelemetry bootstrap written by create-traced-service add-tracing';

export type NodeFrameworkName = 'express' | 'fastify';
export type PackageManager = 'npm' | 'pnpm' | 'yarn';

export interface LoadEvent {
  kind: 'framework' | 'sdk';
  file: string;
  line: number;
  what: string;
}

export interface NodeProject {
  root: string;
  packageJson: { text: string; data: PackageJson } | { error: string };
  moduleType: 'module' | 'commonjs';
  framework?: { name: NodeFrameworkName; range: string };
  /** Frameworks add-tracing does not wire (koa, hapi, nest ...), by dependency name. */
  unsupportedFramework?: string;
  /** Every @opentelemetry/* and @fastify/otel dependency with its declared range. */
  otelDeps: Record<string, string>;
  packageManager: { name: PackageManager; lockfile?: string };
  start: {
    /** The package.json script that starts the service in production ("start", else e.g. "start:prod"). */
    scriptName?: string;
    script?: string;
    command?: NodeCommand;
    /** The start script runs something other than node (nodemon, ts-node, pm2 ...). */
    otherRunner?: string;
    /** Where the entry came from. */
    source?: `scripts.${string}` | 'main' | 'server.js' | 'Dockerfile';
  };
  /** The entry module as run (e.g. dist/server.js) and the source file read for it (e.g. src/server.ts). */
  entry?: { run: string; source: string; exists: boolean };
  typescript?: { tsconfig: string; outDir?: string; rootDir?: string; commonjs: boolean };
  docker?: { path: string; text: string; start?: DockerStart };
  /** Modules reached from the entry, in evaluation order. */
  modules: { file: string; scan: ScannedModule; esm: boolean }[];
  events: LoadEvent[];
  /** Why monkey-patching cannot work (a bundled entry), when it cannot. */
  bundled?: string;
  /** The bootstrap file this tool wrote earlier, if present. */
  bootstrap?: { path: string; ours: boolean; text: string };
  /**
   * The entry is built (compiled or bundled from sources): the build script that makes it, run before the
   * smoke test; or, when package.json has none, what to run instead.
   */
  build?: { script: string; command: string } | { missing: string };
  /** SIGTERM/SIGINT handlers of the service's own (process.on, a graceful-shutdown library), in load order. */
  signalHandlers: { file: string; line: number; signal: string; via?: string }[];
  /** Modules reached that the parser could not read: what they load was not followed. */
  unreadable: { file: string; line: number; message: string }[];
}

const UNSUPPORTED = ['koa', '@hapi/hapi', '@nestjs/core', 'restify', 'hono', '@adonisjs/core'];
const MAX_MODULES = 400;
const MAX_BYTES = 2 * 1024 * 1024;

function readText(file: string): string | undefined {
  return readTextIfExistsSync(file, { maxBytes: MAX_BYTES });
}

/** JSON with comments and trailing commas, as tsconfig.json allows. */
function parseJsonc(text: string): Record<string, unknown> | undefined {
  const stripped = text
    .replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_m, str: string | undefined) => str ?? '')
    .replace(/,(\s*[}\]])/g, '$1');
  try {
    return JSON.parse(stripped) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function packageManagerOf(root: string, data: PackageJson): NodeProject['packageManager'] {
  const locks: [PackageManager, string][] = [
    ['pnpm', 'pnpm-lock.yaml'],
    ['yarn', 'yarn.lock'],
    ['npm', 'package-lock.json'],
    ['npm', 'npm-shrinkwrap.json'],
  ];
  for (const [name, lockfile] of locks) if (existsSync(path.join(root, lockfile))) return { name, lockfile };
  const declared = /^(npm|pnpm|yarn)@/.exec(data.packageManager ?? '');
  return { name: (declared?.[1] as PackageManager | undefined) ?? 'npm' };
}

function typescriptOf(root: string): NodeProject['typescript'] {
  const tsconfig = 'tsconfig.json';
  const text = readText(path.join(root, tsconfig));
  if (text === undefined) return undefined;
  const options = (parseJsonc(text)?.compilerOptions ?? {}) as Record<string, unknown>;
  const module = String(options.module ?? '').toLowerCase();
  const strip = (v: unknown) => (typeof v === 'string' ? v.replace(/^\.\//, '').replace(/\/$/, '') : undefined);
  return {
    tsconfig,
    ...(strip(options.outDir) ? { outDir: strip(options.outDir) } : {}),
    ...(strip(options.rootDir) ? { rootDir: strip(options.rootDir) } : {}),
    commonjs: module === 'commonjs',
  };
}

function isEsmFile(
  file: string,
  moduleType: 'module' | 'commonjs',
  ts: NodeProject['typescript'],
  scan: ScannedModule,
) {
  if (/\.m[jt]s$/.test(file)) return true;
  if (/\.c[jt]s$/.test(file)) return false;
  // TypeScript compiled to CommonJS turns imports into require() calls, in order.
  if (/\.tsx?$/.test(file) && ts) return !ts.commonjs && moduleType === 'module';
  return moduleType === 'module' || (scan.esm && moduleType !== 'commonjs');
}

const isOtelSdkModule = (source: string) =>
  source === '@opentelemetry/auto-instrumentations-node/register' || source === '@opentelemetry/sdk-node';

/**
 * The modules the entry loads, depth first in evaluation order: an ES module's static imports all run
 * before its body, a CommonJS require() runs the required module at that point. Records where the
 * framework is first loaded and where an SDK is started.
 */
function walk(root: string, entries: string[], project: NodeProject): void {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || seen.size >= MAX_MODULES) return;
    seen.add(file);
    // require('../package.json') loads data, and a .node addon native code: neither is JavaScript.
    if (isDataModule(file)) return;
    const text = readText(path.join(root, file));
    if (text === undefined) return;
    const scan = scanModuleCached(text, file);
    if (scan.syntaxError?.unreadable)
      project.unreadable.push({ file, line: scan.syntaxError.line, message: scan.syntaxError.message });
    const esm = isEsmFile(file, project.moduleType, project.typescript, scan);
    project.modules.push({ file, scan, esm });
    for (const o of scan.otel) {
      if (o.kind !== 'signal-handler' || (o.signal === '?' && !scan.namesSigterm)) continue;
      const signal = o.signal === '?' ? 'SIGTERM' : o.signal;
      project.signalHandlers.push({ file, line: o.line, signal, ...(o.via ? { via: o.via } : {}) });
    }
    if (scan.bundler && !project.bundled)
      project.bundled = `${file} is ${scan.bundler} output, with the framework inlined into it`;
    const loads = scan.loads.filter((l) => !l.typeOnly && l.topLevel && l.kind !== 'dynamic');
    // ES modules: every static import first; then the body (where an SDK would start).
    const ordered = esm
      ? [
          ...loads.map((l) => ({ line: l.line, load: l })),
          ...scan.otel.map((o) => ({ line: Number.MAX_SAFE_INTEGER, o })),
        ]
      : [...loads.map((l) => ({ line: l.line, load: l })), ...scan.otel.map((o) => ({ line: o.line, o }))];
    ordered.sort((a, b) => a.line - b.line);
    for (const item of ordered) {
      if ('load' in item && item.load) {
        const l = item.load;
        if (l.source === 'express' || l.source === 'fastify')
          project.events.push({ kind: 'framework', file, line: l.line, what: `${l.kind} of ${l.source}` });
        else if (isOtelSdkModule(l.source) && l.source.endsWith('/register'))
          project.events.push({ kind: 'sdk', file, line: l.line, what: `${l.kind} of ${l.source}` });
        const local = resolveLocal(root, file, l.source);
        if (local) visit(local);
      } else if ('o' in item && item.o?.kind === 'sdk' && !item.o.what.startsWith('import of')) {
        project.events.push({ kind: 'sdk', file, line: item.o.line, what: item.o.what });
      }
    }
  };
  for (const entry of entries) visit(entry);
}

/**
 * Local files the start command preloads (--import ./x.mjs, -r ./tracing.js): they run before the entry.
 * add-tracing's own bootstrap is left out: it is known, and it is not the project's code.
 */
function preloadedFiles(root: string, project: NodeProject): string[] {
  const out: string[] = [];
  for (const p of project.start.command?.preloads ?? []) {
    const file = resolveLocal(root, '', p.value.startsWith('.') ? p.value : `./${p.value}`);
    if (!file) continue;
    if (file === BOOTSTRAP_FILE && readText(path.join(root, file))?.startsWith(BOOTSTRAP_MARKER)) continue;
    out.push(file);
  }
  return out;
}

export function analyseNodeProject(root: string): NodeProject {
  const pkgText = readText(path.join(root, 'package.json')) ?? '';
  let data: PackageJson = {};
  let packageJson: NodeProject['packageJson'];
  try {
    data = parsePackageJson(pkgText);
    packageJson = { text: pkgText, data };
  } catch (error) {
    packageJson = { error: (error as Error).message };
    data = {};
  }
  const deps = { ...data.devDependencies, ...data.dependencies };
  const framework = (['express', 'fastify'] as const).find((f) => f in deps);
  const project: NodeProject = {
    root,
    packageJson,
    moduleType: data.type === 'module' ? 'module' : 'commonjs',
    ...(framework ? { framework: { name: framework, range: deps[framework]! } } : {}),
    ...(!framework && UNSUPPORTED.find((u) => u in deps)
      ? { unsupportedFramework: UNSUPPORTED.find((u) => u in deps)! }
      : {}),
    otelDeps: Object.fromEntries(
      Object.entries(deps).filter(([n]) => n.startsWith('@opentelemetry/') || n === '@fastify/otel'),
    ),
    packageManager: packageManagerOf(root, data),
    start: {},
    modules: [],
    events: [],
    signalHandlers: [],
    unreadable: [],
  };
  const ts = typescriptOf(root);
  if (ts) project.typescript = ts;

  const dockerText = readText(path.join(root, 'Dockerfile'));
  if (dockerText !== undefined) {
    const start = dockerStart(dockerText, BOOTSTRAP_FILE);
    project.docker = { path: 'Dockerfile', text: dockerText, ...(start ? { start } : {}) };
  }

  readEntry(root, data, project, ts);
  const bootstrapText = readText(path.join(root, BOOTSTRAP_FILE));
  if (bootstrapText !== undefined)
    project.bootstrap = { path: BOOTSTRAP_FILE, ours: bootstrapText.startsWith(BOOTSTRAP_MARKER), text: bootstrapText };
  return project;
}

/** How the service starts (start script, main, server.js or the Dockerfile), its entry as Node resolves it, and
 * the modules it loads from there; whether the build script bundles it. */
function readEntry(root: string, data: PackageJson, project: NodeProject, ts: NodeProject['typescript']): void {
  const buildScript = typeof data.scripts?.build === 'string' ? data.scripts.build : undefined;
  const scriptName = startScriptName(root, data.scripts ?? {}, ts);
  const script = scriptName === undefined ? undefined : data.scripts![scriptName]!;
  const mainExists =
    typeof data.main === 'string' && data.main && resolveEntry(root, data.main, ts, buildScript).exists;
  let run: string | undefined;
  if (scriptName !== undefined && script !== undefined) {
    const parsed = parseStartScript(script);
    project.start = { scriptName, script, source: `scripts.${scriptName}` };
    if (parsed.command) project.start.command = parsed.command;
    if (parsed.otherRunner) project.start.otherRunner = parsed.otherRunner;
    run = parsed.command?.entry;
  } else if (typeof data.main === 'string' && data.main && (mainExists || !project.docker?.start?.entry)) {
    run = data.main;
    project.start.source = 'main';
  } else if (existsSync(path.join(root, 'server.js'))) {
    // npm start runs `node server.js` when there is no start script.
    run = 'server.js';
    project.start.source = 'server.js';
  } else if (project.docker?.start?.entry) {
    run = project.docker.start.entry;
    project.start.source = 'Dockerfile';
  }
  let bundledByScript = false;
  if (run) {
    const resolved = resolveEntry(root, run, ts, buildScript);
    project.entry = { run: run.replace(/^\.\//, ''), source: resolved.source, exists: resolved.exists };
    if (project.entry.exists) walk(root, [...preloadedFiles(root, project), resolved.source], project);
    if (resolved.built) project.build = buildOf(resolved, buildScript, ts);
    bundledByScript = resolved.fromBuildScript === true;
  }
  const bundler = /\b(esbuild\b[^&;|]*--bundle|webpack|@vercel\/ncc|\bncc build|rollup)\b/.exec(
    data.scripts?.build ?? '',
  );
  if (bundler && project.entry && (project.entry.source === project.entry.run || bundledByScript) && !project.bundled) {
    const external = /--packages=external/.test(data.scripts?.build ?? '');
    if (!external) project.bundled = `the build script bundles the service (${bundler[1]!.split(/\s/)[0]})`;
  }
}

/** The build that makes a built entry: package.json's build script, else what to run by hand. */
function buildOf(
  entry: ReturnType<typeof resolveEntry>,
  buildScript: string | undefined,
  ts: NodeProject['typescript'],
): NonNullable<NodeProject['build']> {
  if (buildScript !== undefined) return { script: 'build', command: buildScript };
  return { missing: ts ? 'npx tsc' : `the command that builds ${entry.file} from ${entry.source}` };
}

/**
 * Scripts that start a service in production, by convention: "start" when there is one (whatever it runs;
 * add-tracing says when it cannot preload there), else the first of the others that runs node on a module
 * that exists (e.g. "start:prod": "node dist/index.js" beside a "start:dev" that watches).
 */
const START_SCRIPTS = ['start', 'start:prod', 'prod', 'serve', 'start:production'];

function startScriptName(
  root: string,
  scripts: Record<string, string>,
  ts: NodeProject['typescript'],
): string | undefined {
  if (typeof scripts.start === 'string') return 'start';
  return START_SCRIPTS.slice(1).find((name) => {
    const entry = typeof scripts[name] === 'string' ? parseStartScript(scripts[name]!).command?.entry : undefined;
    return entry !== undefined && resolveEntry(root, entry, ts, scripts.build).exists;
  });
}

/** The first framework load and the first SDK start, in evaluation order. */
export function loadOrder(project: NodeProject): { framework?: LoadEvent; sdk?: LoadEvent } {
  return {
    framework: project.events.find((e) => e.kind === 'framework'),
    sdk: project.events.find((e) => e.kind === 'sdk'),
  };
}

/** Where the app is built: the first express()/Fastify() call in the modules reached. */
export function appConstruction(project: NodeProject): { framework: string; file: string; line: number } | undefined {
  for (const m of project.modules) {
    const app = m.scan.apps[0];
    if (app) return { framework: app.framework, file: m.file, line: app.line };
  }
  return undefined;
}
