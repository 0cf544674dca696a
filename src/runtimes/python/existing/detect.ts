/**
 * detect(dir) -> ProjectReport: everything add-tracing and doctor need to know about an existing project,
 * gathered before anything is touched. Python code is parsed by templates/add-tracing/analyze.py, run in
 * isolated mode by the newest interpreter on the machine (never one from the project: inspecting a
 * checkout executes none of its code); dependency and start files are read here.
 */
import { existsSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse as parseToml } from 'smol-toml';
import { UsageError } from '../../../core/errors.js';
import { notUtf8, readFileBytes, UnreadableFileError } from '../../../core/read-file.js';
import { TEMPLATES_DIR } from '../../../core/paths.js';
import { peekAnswers } from '../../../answers/document.js';
import { readAnswersText } from '../../../answers/file.js';
import {
  normalizeName,
  PIPFILE,
  readPipfile,
  readPyproject,
  readRequirementsFile,
  readSetupCfg,
  type DependencyFile,
} from './deps.js';
import { DEPENDENCY_PRIORITY, DETECTION, TELEMETRY_BINDING, TELEMETRY_MARKER } from './frameworks.js';
import { DEFAULT_GUNICORN_CONFIG, DOCKERFILE } from './gunicorn.js';
import { parserPython } from './parser-python.js';
import { findStartCommands, isStartFile, type StartCommand } from './start-commands.js';
import { buildCandidates, djangoProject, isModuleName, selectApp } from './candidates.js';
import type { AnalysedProject, AnalyzedFile, AppCandidate } from './types.js';

type Texts = Record<string, string>;

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

/**
 * A dependency file that is a symlink to a regular file inside the project (`requirements.txt ->
 * reqs/base.txt`): listed like the file itself, so it is edited at its target. Other symlinks are not
 * followed: a linked module would be analysed twice.
 */
async function isLinkedDependencyFile(root: string, rel: string): Promise<boolean> {
  if (!isRequirementsFile(rel) && !['pyproject.toml', 'setup.cfg'].includes(rel)) return false;
  try {
    const [real, top] = await Promise.all([realpath(path.join(root, rel)), realpath(root)]);
    const inside = path.relative(top, real);
    return !inside.startsWith('..') && !path.isAbsolute(inside) && (await stat(real)).isFile();
  } catch {
    return false;
  }
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
      } else if (e.isFile() || (e.isSymbolicLink() && (await isLinkedDependencyFile(root, child)))) out.push(child);
    }
  };
  await walk('', 0);
  return out;
}

/**
 * An app built in a module whose path is no Python module name (a folder named with spaces, dashes or
 * code) cannot be served or imported by that name: refused, instead of writing the name into code.
 */
function refuseUnimportableApp(files: AnalyzedFile[], candidates: AppCandidate[]): void {
  if (candidates.length > 0) return;
  const file = files.find((f) => (f.apps ?? []).length > 0 && !isModuleName(f.module));
  if (!file) return;
  throw new UsageError(
    `${JSON.stringify(file.path)} builds an app, but ${JSON.stringify(file.module)} is not a Python module name ` +
      '(every folder on its path must be an identifier): rename the folder — nothing was changed',
  );
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

/** A file's text; undefined for one that is missing, not a regular file, over the limit or not UTF-8. */
async function readText(file: string): Promise<string | undefined> {
  const read = await readChecked(file);
  return 'text' in read ? read.text : undefined;
}

async function readChecked(file: string): Promise<{ text: string } | { problem?: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFileBytes(file, { maxBytes: TEXT_LIMIT });
  } catch (error) {
    const reason = error instanceof UnreadableFileError ? error.reason : '';
    // Named as before: too large, or not a regular file (a FIFO is never opened for reading).
    if (reason.startsWith('is larger')) return { problem: 'over 2 MB' };
    return reason.startsWith('is a directory') || !reason ? {} : { problem: reason.replace(/^is /, '') };
  }
  const problem = notUtf8(bytes);
  return problem ? { problem } : { text: bytes.toString('utf8') };
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
): Promise<{
  deps: DependencyFile[];
  texts: Record<string, string>;
  projectName?: string;
  unreadable: { path: string; reason: string }[];
}> {
  const deps: DependencyFile[] = [];
  const texts: Record<string, string> = {};
  const unreadable: { path: string; reason: string }[] = [];
  let projectName: string | undefined;
  // A dependency file that cannot be read as UTF-8 is named: pip may read it, but its pins cannot be seen
  // or edited here.
  const readDependency = async (file: string) => {
    const read = await readChecked(file);
    if ('text' in read) return read.text;
    if (read.problem)
      unreadable.push({ path: path.relative(root, file).split(path.sep).join('/'), reason: read.problem });
    return undefined;
  };
  for (const rel of files) {
    if (rel === 'pyproject.toml') {
      const text = await readDependency(path.join(root, rel));
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
      const text = await readDependency(path.join(root, rel));
      if (text === undefined) continue;
      const parsed = readSetupCfg(rel, text);
      if (parsed) {
        texts[rel] = text;
        deps.push(parsed);
      }
    } else if (rel === PIPFILE) {
      const text = await readDependency(path.join(root, rel));
      if (text === undefined) continue;
      texts[rel] = text;
      deps.push(readPipfile(rel, text));
    } else if (isRequirementsFile(rel)) {
      const text = await readDependency(path.join(root, rel));
      if (text === undefined) continue;
      texts[rel] = text;
      deps.push(readRequirementsFile(rel, text));
    }
  }
  return { deps, texts, ...(projectName ? { projectName } : {}), unreadable };
}

/** Start commands (Procfile, compose, Dockerfile, scripts) and the gunicorn configs they or gunicorn read. */
async function readStartCommands(root: string, listing: string[], texts: Texts): Promise<StartCommand[]> {
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
  // The image's Dockerfile and .dockerignore: a new gunicorn config must reach the image.
  for (const rel of [...gunicornConfigs, DOCKERFILE, '.dockerignore']) {
    const text = await readText(path.join(root, rel));
    if (text !== undefined) texts[rel] = text;
  }
  return startCommands;
}

/** Each framework's evidence, from the dependency files and from the apps the code builds. */
function frameworkEvidence(deps: DependencyFile[], files: AnalyzedFile[]): Map<string, string[]> {
  const evidence = new Map<string, string[]>();
  for (const d of DETECTION) {
    const ev: string[] = [];
    for (const f of deps)
      for (const r of f.requirements)
        if (d.distributions.map(normalizeName).includes(r.name))
          ev.push(`${r.written}${r.spec ? ` ${r.spec}` : ''} in ${f.path}`);
    for (const f of files)
      for (const a of f.apps ?? []) if (a.framework === d.name) ev.push(`${a.constructor}() in ${f.path}:${a.line}`);
    if (ev.length > 0) evidence.set(d.name, ev);
  }
  return evidence;
}

/** The app module and any telemetry module beside it (add-tracing's, when it carries the marker). */
async function readAppTexts(root: string, report: AnalysedProject): Promise<void> {
  const selected = report.selected;
  if (!selected) return;
  const text = await readText(path.join(root, selected.file.path));
  if (text !== undefined) report.texts[selected.file.path] = text;
  const dir = path.posix.dirname(selected.file.path);
  for (const name of ['telemetry.py', 'otel_telemetry.py']) {
    const rel = dir === '.' ? name : `${dir}/${name}`;
    const content = await readText(path.join(root, rel));
    if (content === undefined) continue;
    report.texts[rel] = content;
    if (content.includes(TELEMETRY_MARKER)) report.telemetryModule = { path: rel, ours: true };
  }
}

async function readAnswers(root: string, report: AnalysedProject): Promise<void> {
  const text = await readAnswersText(root);
  if (text === undefined) return;
  const recorded = peekAnswers(text);
  // A file that is not a JSON object counts as add-tracing's (rewritten), not as a generated project's.
  report.answers = {
    text,
    ...(recorded ? { recorded } : {}),
    generated: recorded ? recorded.existing === undefined : false,
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
  const { deps, texts, projectName, unreadable } = await readDependencyFiles(root, listing);
  const startCommands = await readStartCommands(root, listing, texts);
  const evidence = frameworkEvidence(deps, analyzed.files);

  // A module linked to another file of the project is that file: keep the link (the name it is served
  // by) and drop the target's duplicate; edits go to the target through the link.
  const linkedTargets = new Set(analyzed.files.map((f) => f.symlink).filter((t): t is string => typeof t === 'string'));
  const importable = analyzed.files.filter((f) => isModuleName(f.module));
  const candidates = buildCandidates(
    importable.filter((f) => !linkedTargets.has(f.path)),
    startCommands,
  );
  refuseUnimportableApp(analyzed.files, candidates);
  const { selected, serve, ambiguity } = selectApp(candidates, options.app);
  // The framework of the app being traced; else of the apps the code builds; else the dependencies'.
  const built = candidates.filter((c) => !c.mountedIn).map((c) => c.construction.framework);
  const frameworkName =
    selected?.construction.framework ??
    DEPENDENCY_PRIORITY.find((n) => built.includes(n)) ??
    DEPENDENCY_PRIORITY.find((n) => evidence.has(n)) ??
    [...evidence.keys()][0];

  const report: AnalysedProject = {
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
    ...(unreadable.length > 0 ? { unreadableDependencyFiles: unreadable } : {}),
    startCommands,
    truncated: analyzed.truncated,
    texts,
  };

  if (frameworkName === 'django') {
    const django = djangoProject(importable);
    if (django) {
      report.django = django;
      for (const rel of django.entryFiles) {
        const text = await readText(path.join(root, rel));
        if (text !== undefined) texts[rel] = text;
      }
    }
  }
  await readAppTexts(root, report);
  await readAnswers(root, report);
  return report;
}
