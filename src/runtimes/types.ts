/** The Runtime interface: everything that differs between Python and Node services, from templates to the smoke test. */
import type { ServiceFramework } from '../catalog/frameworks/index.js';
import type { ServiceOptions } from '../options/schema.js';
import type { SmokeRuntime } from '../smoke/types.js';

/** A directory of templates/, whole or only some of its files (paths or folder prefixes ending in "/"). */
export type TemplateLayer = string | { dir: string; only: readonly string[] };

/** Template context pieces of a runtime; `framework` and `sampler` extend the shared objects of those names. */
export type RuntimeContext = { framework?: Record<string, unknown>; sampler?: Record<string, unknown> } & Record<
  string,
  unknown
>;

/** The environment a service was installed into, as the smoke test needs it. */
export interface PreparedEnv {
  /** Python: the venv. Node: the directory holding the node binary that runs the service. */
  venvDir: string;
  /** The tool that installed the dependencies (uv, pip, npm). */
  installer: string;
  reused: boolean;
}

export interface PrepareSettings {
  /** Requirements file to install, relative to the project (Python; default: requirements-dev.txt). */
  requirementsFile?: string;
  /** The interpreter to build the venv with (Python). */
  basePython?: { command: string; version: string };
  onProgress: (message: string) => void;
}

/**
 * Everything that differs between the languages a service can be written in. Adding a runtime means one
 * module here, one entry in ./index.ts and one base folder under templates/.
 */
export interface Runtime extends SmokeRuntime {
  name: 'python' | 'node';
  displayName: string;
  /** Template layers below the framework's own folder, earliest first. */
  baseLayers: readonly TemplateLayer[];
  /** Checks, before anything is written, that the project can be installed and run here (throws UsageError). */
  preflight?(): Promise<void>;
  /** Template context pieces of this runtime, merged over the shared ones (`framework` and `sampler` key by key). */
  templateContext(options: ServiceOptions, framework: ServiceFramework): RuntimeContext;
  /** Step title shown while preparing the environment. */
  installTitle: string;
  /** The installer named in the result when the install failed before one was chosen. */
  installerName: string;
  /** Said when the environment was already up to date and nothing was installed. */
  reusedNote: string;
  /** Installs the generated project's dependencies (and builds it where needed). */
  prepare(projectDir: string, options: ServiceOptions, settings: PrepareSettings): Promise<PreparedEnv>;
  /** Commands shown after `create`, to run inside the project. */
  nextSteps(context: { installed: boolean; framework: ServiceFramework; smokeCommand: string }): string[];
}
