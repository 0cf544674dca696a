/** The shape of a row of the framework table, Python and Node. */
import type { OtelLine, PythonPackage } from '../python-sets.js';

/** What one request to the sample route must produce, per the guide's "Verification" section. */
export interface SampleExpectation {
  /** Concrete path requested, e.g. /process/12345. */
  requestPath: string;
  /** Templated route, e.g. /process/{item_id}: the server span is named after it, never the concrete path. */
  route: string;
  serverSpanName: string;
  childSpanName: string;
  /** Attributes the manual child span must carry. */
  childAttributes: Record<string, string>;
  /** Spans one request yields: the server span and its manual child, nothing else. */
  spansPerRequest: number;
}

export interface ServerCommandOptions {
  host: string;
  port: number;
  workers?: number;
  /** `dev`: the server's own reloader on (it restarts the app, telemetry set up anew, when a source file changes). */
  reload?: boolean;
}

export type RuntimeName = 'python' | 'node';

/**
 * What every framework descriptor has, whatever its runtime: how it is listed, where its templates are,
 * how it is started and what its sample route yields. Adding a framework means one descriptor in this
 * folder, one entry in ./index.ts and one folder of templates under templates/<name>/, layered over its
 * runtime's base templates (src/runtimes/).
 */
export interface BaseFramework {
  name: string;
  displayName: string;
  /** One line shown next to the choice in prompts and --help. */
  hint: string;
  /** The runtime the service runs on: it owns the base templates, the install step and the version sets. */
  runtime: RuntimeName;
  /** Folder under templates/ layered over the runtime's base folder. */
  templateDir: string;
  /** argv that starts the service: the one command used by the Dockerfile, the README and the smoke test. */
  serverCommand(options: ServerCommandOptions): string[];
  sample: SampleExpectation;
  healthPath: string;
  /** See FrameworkDescriptor.multiWorker (Python servers that fork workers). */
  multiWorker?: { workers: number; requests: number };
  /** Folder under templates/ with the opt-in worked examples (`--examples`), layered over templateDir. */
  examplesDir?: string;
}

/**
 * A Node framework: its npm packages come from the node runtime's matched set (src/runtimes/node-versions.ts).
 * Its template folder supplies what templates/node leaves to the framework: src/app.ts (createApp() and
 * startServer(host, port) returning { close(drainMillis) }), src/instrumentations.ts (instrumentations()),
 * test/app.test.ts, and the partials node/<name>-instrumentations and node/<name>-mistakes for the README.
 */
export interface NodeFrameworkDescriptor extends BaseFramework {
  runtime: 'node';
  /** npm packages the framework adds to the matched set, by name; versions come from the set. */
  packages: readonly string[];
  /** Dev-only npm packages (types), by name. */
  devPackages: readonly string[];
}

/** Everything the CLI knows about one Python framework (add-tracing, doctor and upgrade use the rest). */
export interface FrameworkDescriptor extends BaseFramework {
  runtime: 'python';
  /** Runtime packages for a matched OpenTelemetry line: the framework, its server and its instrumentor. */
  packages(line: OtelLine): PythonPackage[];
  /** Packages the generated test suite needs on top of the runtime ones. */
  testPackages(line: OtelLine): PythonPackage[];
  /**
   * Servers that fork workers: the smoke test runs a second phase with this many workers and checks that
   * each exports and nothing is lost when the main process gets SIGTERM. Only for workers that serve one
   * request at a time (sync gunicorn workers): an async worker may accept every connection itself, so
   * which workers serve would be left to chance.
   */
  multiWorker?: { workers: number; requests: number };
  /** Files or folders besides app/ that the container image needs (Dockerfile COPY), relative to the project. */
  copyPaths?: string[];
  /** Python packages besides app/ that make up the service (pyproject.toml `[tool.setuptools] packages`). */
  pythonPackages?: string[];
  /** Folders the service writes to at run time (e.g. a SQLite file): created in the image, owned by its user. */
  writableDirs?: string[];
  /**
   * Wording for the Dockerfile's comments when the FastAPI defaults do not fit: what flushes the spans
   * after SIGTERM ("runs the lifespan shutdown") and which files set tracing up ("app/telemetry.py and app/main.py").
   */
  dockerNotes?: { flushOnStop: string; setupFiles: string };
  /** Distribution names whose presence in a project's dependencies identifies the framework. */
  detectDistributions: string[];
  /** How add-tracing and doctor recognise and wire the framework in an existing project. */
  existing: ExistingSupport;
}

/** An app of the framework found in an existing project, as the smoke test serves it. */
export interface ExistingServe {
  module: string;
  attr: string;
  factory: boolean;
  /** Directory to import from, relative to the project root ('' = the root). */
  appDir: string;
}

export interface ExistingSupport {
  /** [module, class] pairs whose call constructs an app. */
  constructors: [string, string][];
  /** The instrumentor class whose instrument_app()/instrument() call means the app is traced. */
  instrumentor: string;
  /** Environment variable the instrumentation reads its excluded URLs from. */
  excludedUrlsEnv: string;
  /** add-tracing can wire it: templates/add-tracing/<name>.py.hbs holds the wiring. */
  supported: boolean;
  /**
   * Packages add-tracing's wiring needs beyond `packages` (which lists what a generated service installs):
   * FastAPI's add-tracing wiring is FastAPIInstrumentor's, whatever FastAPI release the line pins, unless
   * the wiring chosen for the project's FastAPI is its own instrumentation (`nativeTelemetry`).
   */
  wiringPackages?(line: OtelLine, wiring?: { nativeTelemetry?: boolean }): PythonPackage[];
  /**
   * argv that serves the app for the smoke test, with `{port}` where the port goes; `gunicornConfig` when
   * the project serves it with gunicorn (the file holding add-tracing's hooks).
   */
  serverCommand(serve: ExistingServe, context: { gunicornConfig?: string }): string[];
  /** The route as the instrumentation names the server span, when it differs from the URL path's form. */
  spanRoute?(template: string): string;
  /**
   * [release prefix, newest Python it runs on] for the framework's older releases: a project that pins one
   * is smoke-tested on a Python it runs on (Django 3.2 imports `cgi`, which Python 3.13 removed).
   */
  newestPython?: [string, string][];
}
