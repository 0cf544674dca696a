/**
 * planChanges(report, inputs) -> [{path, before, after}]: the whole change add-tracing makes, computed in
 * memory. Pure. Edits to the user's code are insertions at the positions the analyzer reported (an
 * import line before the app is built, an instrument_app() call right after the construction); nothing
 * else in the file moves. A second run over the result finds the markers and plans nothing.
 */
import path from 'node:path';
import type { FileChange } from '../../../pipeline/changes.js';
import { ANSWERS_FILE } from '../../../core/paths.js';
import type { OtelLine, PythonPackage } from '../../../catalog/python-sets.js';
import { editDependencyText, planDependencies, type DependencyFile } from './deps.js';
import { TELEMETRY_BINDING, TELEMETRY_MARKER } from './frameworks.js';
import { instrumentDjangoEntries, telemetryAnchor } from './django-patch.js';
import { DOCKERFILE, gunicornImageChanges, withGunicornHooks } from './gunicorn.js';
import { removeWrapper } from './start-commands.js';
import type { AnalysedProject, AnalyzedFile, AppCandidate, ProjectReport } from './types.js';
import { insertInLines, splitKeep, type Insertion } from './source-text.js';
import { refuseLostTelemetryArgument, telemetryArgument, wiresNativeTelemetry } from './native-patch.js';

export interface PatchInputs {
  /** The rendered telemetry module (common template + the framework wiring). */
  renderTelemetry: (placement: TelemetryPlacement) => string;
  line: OtelLine;
  lineName: string;
  /** The matched set: core packages + the framework's. */
  wanted: PythonPackage[];
  frameworkDistributions: string[];
  /** Contents of the answers file to write; undefined = leave it to the caller. */
  answers?: (changes: FileChange[], placement: TelemetryPlacement, dependencyFiles: string[]) => string | undefined;
  /** Rewrite an existing add-tracing telemetry module even if the options did not change. */
  optionsChanged: boolean;
  /** The project serves the app with gunicorn: its config file gets the worker hooks. */
  gunicorn?: { config: string; hooks: string };
  /** FastAPI's own instrumentation (wiring-versions.ts): the construction gets the telemetry= argument. */
  nativeTelemetry?: boolean;
}

export interface TelemetryPlacement {
  /** Path of the telemetry module, relative to the project root. */
  path: string;
  /** The import statement the app module gets. */
  importLine: string;
  /** Dotted module name (for messages). */
  module: string;
}

// Short, so the line fits every formatter's length: black would wrap a longer one and move the comment
// off the import, and isort would then sort the import after the framework's.
const IMPORT_COMMENT = '# isort: skip';
const INSTRUMENT_COMMENT = '# create-traced-service: right after construction';

/**
 * A package written with relative imports is imported under more than one name (its tests import
 * `src.app.main`, its server `app.main` from src/): only a relative import works under all of them.
 */
export function usesRelativeImports(file: AnalyzedFile, all: AnalyzedFile[]): boolean {
  const relative = (f: AnalyzedFile) => (f.imports ?? []).some((i) => i.level > 0);
  if (!file.packageDir) return false;
  if (relative(file)) return true;
  // The module already names its own package absolutely: keep that style.
  const topName = file.module.split('.')[0]!;
  if ((file.imports ?? []).some((i) => i.level === 0 && (i.module === topName || i.module.startsWith(`${topName}.`))))
    return false;
  const top = (f: AnalyzedFile) => `${f.importRoot}/${f.module.split('.')[0]}`;
  return all.some((f) => f.packageDir && top(f) === top(file) && relative(f));
}

/** Where the telemetry module goes and how the app module imports it. */
export function telemetryPlacement(
  file: AnalyzedFile,
  existing: (rel: string) => 'ours' | 'theirs' | 'absent',
  relative = false,
): TelemetryPlacement {
  const dir = path.posix.dirname(file.path);
  const parts = file.module.split('.');
  const pkg = file.isPackageInit ? parts : parts.slice(0, -1);
  const pkgModule = pkg.join('.');
  const names = file.packageDir ? ['telemetry', 'otel_telemetry'] : ['otel_telemetry'];
  for (const name of names) {
    const rel = dir === '.' ? `${name}.py` : `${dir}/${name}.py`;
    if (existing(rel) === 'theirs') continue;
    const from = relative && pkgModule ? '.' : pkgModule;
    const importLine = from
      ? `from ${from} import ${name}${name === TELEMETRY_BINDING ? '' : ` as ${TELEMETRY_BINDING}`}`
      : `import ${name}${name === TELEMETRY_BINDING ? '' : ` as ${TELEMETRY_BINDING}`}`;
    return { path: rel, importLine, module: pkgModule ? `${pkgModule}.${name}` : name };
  }
  throw new Error(
    `both ${dir}/telemetry.py and ${dir}/otel_telemetry.py exist and were not written by add-tracing; rename one`,
  );
}

/**
 * The insertions in the app module: the telemetry import and the instrument_app() call, and with
 * FastAPI's own instrumentation (`native`) the construction's telemetry= argument.
 */
export function instrumentSource(
  original: string,
  app: AppCandidate,
  placement: TelemetryPlacement,
  native = false,
): { text: string; summary: string[] } {
  // A byte-order mark is kept as it is; the analyzer's columns do not count it.
  const bom = original.startsWith('\uFEFF') ? '\uFEFF' : '';
  const text = original.slice(bom.length);
  const file = app.file;
  const c = app.construction;
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = splitKeep(text);
  if (lines.length > 0 && !lines.at(-1)!.endsWith('\n')) lines[lines.length - 1] += nl;
  const before = new Map<number, string[]>(); // 0-based line index -> lines inserted before it
  const summary: string[] = [];
  const insertBefore = (index: number, content: string) =>
    before.set(index, [...(before.get(index) ?? []), content + nl]);

  if (!file.ourImport) {
    const after = file.importAfterLine ?? 0;
    const first = file.firstStatementLine ?? null;
    const index = first !== null && first > after ? first - 1 : after;
    insertBefore(index, `${placement.importLine}  ${IMPORT_COMMENT}`);
    summary.push(`imports ${placement.module} before the app is built (line ${index + 1})`);
  }
  const inLine: Insertion[] = [];
  if (native) {
    const argument = telemetryArgument(app, lines);
    inLine.push(...argument.insertions);
    if (argument.lineAfter) insertBefore(argument.lineAfter.index, argument.lineAfter.text);
    summary.push(...argument.summary);
  }
  if (!app.instrumented) {
    if (c.kind === 'assign' && c.target && c.statementStartsLine) {
      insertBefore(c.endLine, `${c.indent}${TELEMETRY_BINDING}.instrument_app(${c.target})  ${INSTRUMENT_COMMENT}`);
      summary.push(`instruments \`${c.target}\` right after ${c.constructor}() (line ${c.endLine})`);
    } else {
      // `return FastAPI(...)` or a construction sharing its line: wrap the call itself.
      inLine.push(
        { line: c.call.line, col: c.call.col, text: `${TELEMETRY_BINDING}.instrument_app(` },
        { line: c.call.endLine, col: c.call.endCol, text: ')' },
      );
      summary.push(`instruments the app where ${c.constructor}() is called (line ${c.call.line})`);
    }
  }
  insertInLines(lines, inLine);
  const out: string[] = [];
  lines.forEach((l, i) => {
    for (const ins of before.get(i) ?? []) out.push(ins);
    out.push(l);
  });
  for (const ins of before.get(lines.length) ?? []) out.push(ins);
  let result = out.join('');
  // A file that had no final newline keeps not having one.
  if (!text.endsWith('\n') && text !== '' && result.endsWith(nl)) result = result.slice(0, -nl.length);
  return { text: bom + result, summary };
}

export interface PlanResult {
  changes: FileChange[];
  placement: TelemetryPlacement;
  /** Dependency edits that could not be made in place (hash-pinned lines, ...). */
  notes: string[];
  /** The dependency files the matched set went into (for the install step and the answers file). */
  dependencyFiles: string[];
}

type Texts = Record<string, string>;

/** 1. The telemetry module: written once, regenerated only when the options changed. */
function telemetryModuleChange(placement: TelemetryPlacement, texts: Texts, inputs: PatchInputs): FileChange[] {
  const rendered = inputs.renderTelemetry(placement);
  const current = texts[placement.path];
  if (current === undefined) {
    return [
      {
        path: placement.path,
        before: null,
        after: rendered,
        summary: [
          `adds ${placement.path}: resource, sampler, TracerProvider with a BatchSpanProcessor, instrument_app() and the flush on shutdown`,
        ],
      },
    ];
  }
  if (current === rendered || !inputs.optionsChanged) return [];
  return [
    {
      path: placement.path,
      before: current,
      after: rendered,
      summary: [`regenerates ${placement.path} for the new options`],
    },
  ];
}

/** 2. The app module (Django: every entry point). */
function appModuleChanges(
  report: AnalysedProject,
  app: AppCandidate,
  placement: TelemetryPlacement,
  django: boolean,
  native: boolean,
): FileChange[] {
  const changes: FileChange[] = [];
  for (const file of django ? report.files.filter((f) => report.django?.entryFiles.includes(f.path)) : [app.file]) {
    const source = report.texts[file.path];
    if (source === undefined) throw new Error(`cannot read ${file.path}`);
    const instrumented = django
      ? instrumentDjangoEntries(source, file, placement.importLine)
      : instrumentSource(source, app, placement, native);
    if (instrumented.text !== source)
      changes.push({ path: file.path, before: source, after: instrumented.text, summary: instrumented.summary });
  }
  return changes;
}

/** 2b. gunicorn: a provider per worker, flushed in worker_exit, composed with the project's own hooks. */
function gunicornChange(texts: Texts, gunicorn: PatchInputs['gunicorn']): FileChange[] {
  if (!gunicorn) return [];
  const { config, hooks } = gunicorn;
  const before = texts[config];
  const after = withGunicornHooks(before, hooks);
  if (after === before) return [];
  return [
    {
      path: config,
      before: before ?? null,
      after,
      summary: [
        `${before === undefined ? 'adds' : 'composes into'} ${config}: post_fork (a provider per worker) and worker_exit (the flush), after any hooks already there`,
      ],
    },
  ];
}

/** 3. Start commands: drop the opentelemetry-instrument launcher. */
function launcherChanges(report: AnalysedProject): FileChange[] {
  const byFile = new Map<string, number[]>();
  for (const cmd of report.startCommands.filter((c) => c.wrapper))
    byFile.set(cmd.path, [...(byFile.get(cmd.path) ?? []), cmd.line]);
  const changes: FileChange[] = [];
  for (const [rel, lineNos] of byFile) {
    const text = report.texts[rel];
    if (text === undefined) continue;
    const lines = splitKeep(text);
    for (const n of lineNos) {
      const raw = lines[n - 1]!;
      const terminator = raw.endsWith('\r\n') ? '\r\n' : raw.endsWith('\n') ? '\n' : '';
      lines[n - 1] = removeWrapper(raw.slice(0, raw.length - terminator.length)) + terminator;
    }
    const after = lines.join('');
    if (after !== text)
      changes.push({
        path: rel,
        before: text,
        after,
        summary: [
          `drops the opentelemetry-instrument launcher (line${lineNos.length > 1 ? 's' : ''} ${lineNos.join(', ')})`,
        ],
      });
  }
  return changes;
}

/**
 * 4. Dependencies: the matched set, in the files the project already uses. Edits to a file already
 * changed (e.g. a pyproject.toml) are merged into that change.
 */
function dependencyChanges(
  report: AnalysedProject,
  inputs: PatchInputs,
  changes: FileChange[],
  notes: string[],
): { changes: FileChange[]; dependencyFiles: string[] } {
  const texts = report.texts;
  const deps = planDependencies(report.dependencyFiles, inputs.wanted, inputs.frameworkDistributions, inputs.line);
  const touched = new Set<string>([
    ...deps.align.keys(),
    ...(deps.target && deps.add.length > 0 ? [deps.target.path] : []),
  ]);
  const header = `OpenTelemetry ${inputs.lineName}, a matched set (create-traced-service add-tracing)`;
  const added: FileChange[] = [];
  for (const rel of touched) {
    let text = texts[rel];
    if (text === undefined) continue;
    const summary: string[] = [];
    for (const file of report.dependencyFiles.filter((f) => f.path === rel) as DependencyFile[]) {
      const request = {
        add: deps.target && deps.target.path === rel && deps.target.kind === file.kind ? deps.add : [],
        align: deps.align.get(rel) ?? new Map<string, string>(),
        header,
      };
      const result = editDependencyText(file.kind, text, request);
      text = result.text;
      if (result.added.length > 0)
        summary.push(`adds ${result.added.map((p) => `${p.name}==${p.version}`).join(', ')}`);
      for (const a of result.aligned)
        summary.push(`aligns ${a.name} ${a.from} → ${a.to} (line ${a.line}) to the matched set`);
      for (const s of result.skipped)
        notes.push(
          `${rel}:${s.line}: ${s.name} must be ${deps.align.get(rel)?.get(s.name) ?? 'aligned'} but is ${s.reason}; change it by hand`,
        );
    }
    if (text === texts[rel]) continue;
    const prior = changes.find((c) => c.path === rel);
    if (prior) {
      prior.after = text;
      prior.summary.push(...summary);
    } else added.push({ path: rel, before: texts[rel]!, after: text, summary });
  }
  if (!deps.target) {
    const pins = deps.add.map((p) => `${p.name}==${p.version}`);
    added.push({
      path: 'requirements.txt',
      before: null,
      after: [`# ${header}`, ...pins].join('\n') + '\n',
      summary: [`adds requirements.txt with ${pins.join(', ')}`],
    });
  }
  return { changes: added, dependencyFiles: deps.target ? [deps.target.path] : ['requirements.txt'] };
}

/** 5. The answers file: what was done, how to start and probe the app. */
function answersChange(report: AnalysedProject, answers: string | undefined): FileChange[] {
  if (answers === undefined) return [];
  const before = report.answers?.text ?? null;
  if (before === answers) return [];
  return [
    {
      path: ANSWERS_FILE,
      before,
      after: answers,
      summary: [before === null ? 'records what add-tracing did' : 'updates the record of what add-tracing did'],
    },
  ];
}

/** The Dockerfile change that ships a new gunicorn config, on top of the launcher's edit of it if any. */
function withImageChanges(texts: Texts, config: string, changes: FileChange[], notes: string[]): void {
  const prior = changes.find((c) => c.path === DOCKERFILE);
  const image = gunicornImageChanges(prior ? { ...texts, [DOCKERFILE]: prior.after } : texts, config);
  notes.push(...image.notes);
  for (const c of image.changes) {
    if (prior) {
      prior.after = c.after;
      prior.summary.push(...c.summary);
    } else changes.push(c);
  }
}

export function planChanges(report: AnalysedProject, inputs: PatchInputs): PlanResult {
  const app = report.selected;
  if (!app) throw new Error('no app selected');
  const texts = report.texts;
  const existing = (rel: string): 'ours' | 'theirs' | 'absent' =>
    texts[rel] === undefined ? 'absent' : texts[rel]!.includes(TELEMETRY_MARKER) ? 'ours' : 'theirs';
  // Django: the telemetry module goes beside the settings module, imported absolutely (manage.py is a script).
  const django = app.construction.framework === 'django';
  const settingsFile = django ? report.files.find((f) => f.path === report.django?.settingsFile) : undefined;
  if (django && !settingsFile)
    throw new Error(
      `cannot find the settings module ${report.django?.settingsModule ?? '(DJANGO_SETTINGS_MODULE is not set anywhere)'} in the project`,
    );
  const placement = settingsFile
    ? telemetryPlacement(telemetryAnchor(settingsFile, report.files), existing)
    : telemetryPlacement(app.file, existing, usesRelativeImports(app.file, report.files));

  const notes: string[] = [];
  const telemetryChange = telemetryModuleChange(placement, texts, inputs);
  // The app is wired the way the telemetry module it will import is: a module kept from an earlier run
  // keeps its wiring (FastAPIInstrumentor's, or FastAPI's own).
  const kept = telemetryChange.length === 0 ? texts[placement.path] : undefined;
  const native = kept === undefined ? Boolean(inputs.nativeTelemetry) : wiresNativeTelemetry(kept);
  if (!native && !django) refuseLostTelemetryArgument(app);
  const changes: FileChange[] = [
    ...telemetryChange,
    ...appModuleChanges(report, app, placement, django, native),
    ...gunicornChange(texts, inputs.gunicorn),
    ...launcherChanges(report),
  ];
  if (inputs.gunicorn) withImageChanges(texts, inputs.gunicorn.config, changes, notes);
  const deps = dependencyChanges(report, inputs, changes, notes);
  changes.push(...deps.changes);
  changes.push(...answersChange(report, inputs.answers?.(changes, placement, deps.dependencyFiles)));
  return { changes, placement, notes, dependencyFiles: deps.dependencyFiles };
}
