/** What add-tracing and doctor know about an existing project: the analyzer's output, resolved. */
import type { RecordedAnswers } from '../../../answers/document.js';
import type { DependencyFile } from './deps.js';
import type { StartCommand } from './start-commands.js';

/** One Python file as analyze.py reports it (only the fields the TypeScript side reads). */
export interface AnalyzedFile {
  path: string;
  module: string;
  /** '' (project root) or 'src'. */
  importRoot: string;
  isPackageInit: boolean;
  /** The file's directory holds an __init__.py (a regular package). */
  packageDir: boolean;
  crlf?: boolean;
  /** Starts with a UTF-8 byte-order mark (kept by every edit). */
  bom?: boolean;
  /** A symlink: its target relative to the project root, or null when it points outside the project. */
  symlink?: string | null;
  /** Python 3.14 constructs the parser's interpreter predates, lowered before parsing. */
  newerSyntax?: string[];
  /** Why the file was not parsed (too large, not UTF-8, not a regular file). */
  skipped?: string;
  readError?: string;
  syntaxError?: { line: number | null; col: number | null; message: string };
  lineCount?: number;
  importAfterLine?: number;
  firstStatementLine?: number | null;
  imports?: {
    kind: 'import' | 'from';
    module: string;
    name: string | null;
    as: string | null;
    line: number;
    endLine: number;
    level: number;
    function: string | null;
  }[];
  apps?: AppConstruction[];
  eventHandlers?: {
    target: string;
    event: 'startup' | 'shutdown';
    line: number;
    via: 'decorator' | 'add_event_handler';
    function: string | null;
  }[];
  mounts?: { target: string; path: string | null; app: string; line: number }[];
  includeRouters?: { target: string; router: string | null; prefix: string; line: number }[];
  routes?: { target: string; path: string; line: number; function: string | null }[];
  routers?: { var: string; prefix: string; line: number }[];
  otel?: OtelRecord[];
  factoryCalls?: { var: string; callee: string; line: number; function: string | null; hasArgs: boolean }[];
  uvicornRuns?: { app: string | null; isString: boolean; factory: boolean; line: number }[];
  setupFunctions?: { name: string; line: number }[];
  calls?: { callee: string; line: number; function: string | null }[];
  moduleBindings?: string[];
  /** DJANGO_SETTINGS_MODULE values this file sets. */
  djangoSettings?: { module: string; line: number }[];
  /** execute_from_command_line() statements (manage.py). */
  djangoCommands?: { line: number; indent: string; function: string | null }[];
  ourImport?: { line: number; endLine: number } | null;
}

export interface AppConstruction {
  framework: string;
  constructor: string;
  /** 'assign': `target = FastAPI(...)`; 'return': `return FastAPI(...)`. */
  kind: 'assign' | 'return';
  target: string | null;
  line: number;
  endLine: number;
  indent: string;
  /** The statement is alone on its lines (a line can be added after it). */
  statementStartsLine: boolean;
  /** Already wrapped as otel_telemetry.instrument_app(FastAPI(...)). */
  wrapped?: boolean;
  call: {
    line: number;
    col: number;
    endLine: number;
    endCol: number;
    /** Right after the last argument (and any parentheses around it): where a keyword can be appended. */
    argsEnd?: { line: number; col: number } | null;
    /** The first `**mapping` the call passes (its source), which may hold any keyword. */
    splat?: string | null;
  };
  function: string | null;
  className: string | null;
  lifespan: { source: string | null; line: number } | null;
  onStartup: boolean;
  onShutdown: boolean;
  /** The `telemetry=` argument of FastAPI() (FastAPI >= 0.142), and whether it switches tracing off. */
  telemetry?: {
    line: number;
    tracingOff: boolean;
    /** Where the argument's value is, to pass it through add-tracing's fastapi_telemetry(). */
    value?: { line: number; col: number; endLine: number; endCol: number };
    /** The value is add-tracing's `otel_telemetry.fastapi_telemetry(...)` already. */
    ours?: boolean;
  } | null;
}

export type OtelRecord =
  | { kind: 'provider'; line: number; function: string | null }
  | {
      kind: 'processor';
      line: number;
      function: string | null;
      processor: 'SimpleSpanProcessor' | 'BatchSpanProcessor';
      exporter: string | null;
      networkExporter: boolean | null;
    }
  | { kind: 'setProvider'; line: number; function: string | null }
  | { kind: 'meterProvider' | 'loggerProvider' | 'simpleLogProcessor'; line: number; function: string | null }
  | {
      kind: 'instrumentApp' | 'ourInstrument';
      line: number;
      function: string | null;
      target: string | null;
      instrumentor: string | null;
      hasProvider: boolean;
      hasExcludedUrls: boolean;
    }
  | { kind: 'instrumentGlobal'; line: number; function: string | null; instrumentor: string }
  /** `OpenTelemetryMiddleware(app)`: the ASGI instrumentation wrapped around an app from outside. */
  | { kind: 'asgiWrap'; line: number; function: string | null; target: string | null }
  | { kind: 'flush'; line: number; function: string | null; method: 'force_flush' | 'shutdown'; receiver: string };

/** How a server is pointed at the app: `uvicorn <module>:<attr>` (with --factory for a factory). */
export interface ServeTarget {
  module: string;
  attr: string;
  factory: boolean;
  /** Directory to import from, relative to the project root ('' = the root). */
  appDir: string;
  /** Where we learned it. */
  source: 'flag' | 'start-command' | 'uvicorn.run' | 'module' | 'factory-call' | 'factory';
}

export interface AppCandidate {
  /** "path:line", stable across runs. */
  id: string;
  file: AnalyzedFile;
  construction: AppConstruction;
  /** Every way this app can be served, best first. */
  serve: ServeTarget[];
  /** Mounted into another app (so traced through that one). */
  mountedIn?: string;
  eventHandlers: NonNullable<AnalyzedFile['eventHandlers']>;
  /** add-tracing's own instrument call is present for this construction. */
  instrumented: boolean;
}

export interface ProjectReport {
  root: string;
  /** The machine interpreter that parsed the code (never the project's own). */
  python: { command: string; version: string; fromProjectVenv: boolean };
  framework?: { name: string; evidence: string[] };
  /** From pyproject ([project] or [tool.poetry]) when it has one. */
  projectName?: string;
  files: AnalyzedFile[];
  syntaxErrors: { path: string; line: number | null; message: string }[];
  /** Python files that were not parsed, and why: never silently left out. */
  unread: { path: string; reason: string }[];
  candidates: AppCandidate[];
  /** The app add-tracing works on, when it could decide (or --app said). */
  selected?: AppCandidate;
  selectedServe?: ServeTarget;
  /** Why no app was selected. */
  ambiguity?: string;
  dependencyFiles: DependencyFile[];
  /** Dependency files that exist but could not be read as UTF-8 text (their pins are unknown). */
  unreadableDependencyFiles?: { path: string; reason: string }[];
  startCommands: StartCommand[];
  /** The telemetry module add-tracing wrote earlier, if any (path relative to the root). */
  telemetryModule?: { path: string; ours: boolean };
  /** The answers file, when there is one. */
  answers?: { text: string; recorded?: RecordedAnswers; generated: boolean };
  truncated: boolean;
  /** A Django project: its settings module, where it was found, and the files that start Django. */
  django?: { settingsModule: string; source: string; settingsFile?: string; entryFiles: string[] };
}

/** A project as analysed, with the texts of the files read (the answers file's is in `answers`). */
export type AnalysedProject = ProjectReport & { texts: Record<string, string> };
