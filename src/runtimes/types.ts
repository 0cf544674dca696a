/** The one interface a runtime implements: generating, installing, smoke-testing, wiring and upgrading services. */
import type { ServiceFramework } from '../catalog/frameworks/index.js';
import type { Ui } from '../core/ui.js';
import type { TemplateRuntime } from '../generate/plan.js';
import type { ExistingAnswers } from '../answers/document.js';
import type { FileChange } from '../pipeline/changes.js';
import type { Finding } from '../pipeline/findings.js';
import type { InstallingRuntime, PipelineResult } from '../pipeline/install-and-smoke.js';
import type { TracingResultBase } from '../pipeline/review-and-write.js';
import type { ServiceOptions } from '../options/schema.js';
import type { SmokeContract, SmokeRuntime } from '../smoke/types.js';
import type { UpgradeTarget } from '../upgrade/project.js';
import type { CiSetup } from '../pipeline/ci-files.js';

export type { PreparedEnv, PrepareSettings } from '../pipeline/install-and-smoke.js';
export type { RuntimeContext, TemplateLayer } from '../generate/plan.js';

/** add-tracing's flags, the same for every runtime; a runtime ignores those it has no use for. */
export interface AddTracingFlags {
  app?: string;
  route?: string;
  yes?: boolean;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
  install: boolean;
  smoke: boolean;
  config?: string;
  /** --no-lock sets it false. */
  lock?: boolean;
  envFile?: string;
  showNew?: boolean;
  /** --no-project-tests sets it false. */
  projectTests?: boolean;
  /** --no-format sets it false. */
  format?: boolean;
  /** --python X.Y: the interpreter for the smoke-test venv, over what the project declares. */
  python?: string;
  /** --ci github|gitlab: also add the CI job that runs the smoke test and the telemetry contract. */
  ci?: string;
}

/** add-tracing's --json result: the shared part (each runtime adds its own fields to it). */
export type TracingResult = TracingResultBase;

/** One add-tracing run as its runtime planned it, before anything is written; the steps after the write. */
export interface TracingPlan {
  result: TracingResult;
  changes: FileChange[];
  /** Notes on the plan, shown before the review. */
  notes: string[];
  /** What is traced already when nothing changes ("the app", "the service"). */
  traced: string;
  /** Formatters and lock files after the write; false when that failed (the result says why). */
  afterWrite(written: string[], ui: Ui): Promise<boolean>;
  /** Install, smoke test and the project's own tests; true when all passed. */
  verify(ui: Ui): Promise<boolean>;
  /** The last of the next steps: how to prove it again or run it, given the project's relative path. */
  nextStep(rel: string): string;
}

/** What a runtime does with services it did not generate: add-tracing, doctor, and smoke after add-tracing. */
export interface ExistingServices {
  /** Analyses the project, refuses what cannot be handled, chooses the options and plans the change. */
  planTracing(
    root: string,
    flagOptions: Record<string, unknown>,
    flags: AddTracingFlags,
    ui: Ui,
  ): Promise<TracingPlan | { done: TracingResult }>;
  /** doctor: what the service gets wrong, and what was found of it (for --json). */
  diagnose(
    root: string,
    flags: { app?: string; checkPypi?: boolean },
  ): Promise<{ findings: Finding[]; project: object }>;
  /** `smoke` on a service add-tracing wired: its own dependencies, recorded start command and route. */
  smoke(
    root: string,
    existing: ExistingAnswers,
    options: ServiceOptions,
    ui: Ui,
    /** The telemetry contract to check or record (smoke --record / --update). */
    contract?: SmokeContract,
  ): Promise<{ code: number; result: { ok: boolean; directory: string } }>;
}

/** A lock file re-locked (or found stale) after an upgrade moved the pins, as --json reports it. */
export interface LockOutcome {
  command: string;
  outcome: 'relocked' | 'missing-tool' | 'failed';
}

/** What `upgrade` asks of a runtime: where a project can move, what the tool renders there, the steps after. */
export interface Upgrader {
  /**
   * The line to move to (`requested.otelVersion`, else the newest the project supports), the signals (the
   * recorded ones unless `requested.signals`) and the files rendered for them.
   */
  target(
    root: string,
    options: ServiceOptions,
    requested: { otelVersion?: string; signals?: ServiceOptions['signals'] },
    existing: ExistingAnswers | undefined,
  ): Promise<UpgradeTarget>;
  /** Re-locks the lock files the moved pins feed (`skip`: --no-lock, named as stale instead). */
  relock(root: string, changed: string[], ui: Ui, skip: boolean): Promise<LockOutcome[]>;
  /** Installs the upgraded project and (with `smoke`) proves it again. */
  verify(
    root: string,
    options: ServiceOptions,
    existing: ExistingAnswers | undefined,
    smoke: boolean,
    ui: Ui,
  ): Promise<PipelineResult>;
}

/** How `dev` runs a project's service: as the smoke test starts it, on a port the user chose. */
export interface DevService {
  /** The prepared environment (Python: the venv), when nothing needs doing before the start. */
  envDir?: string;
  /**
   * What makes it runnable first, as the smoke test does before starting it (a Node service: its Node found,
   * installed when its package files changed, built); `run` returns the prepared environment (the directory
   * of its Node, '' for PATH's own).
   */
  prepare?: { title: string; run(onProgress: (message: string) => void): Promise<string> };
  command(port: number): string[];
  /** Whether the command restarts the app when a source file changes (the server's own reloader). */
  reloads: boolean;
  /** Runs beside the service while it reloads (a compiled service's build in watch mode); stopped with it. */
  companion?: string[];
  /** Ready once this path answers (any status for a service add-tracing wired). */
  readyPath: string;
  anyStatus: boolean;
}

/**
 * Everything that differs between the languages a service can be written in. Adding a runtime means one
 * folder under runtimes/, one entry in ./index.ts and its template folders.
 */
export interface Runtime extends TemplateRuntime, InstallingRuntime, SmokeRuntime {
  name: 'python' | 'node';
  /** Checks, before anything is written, that the project can be installed and run here (throws UsageError). */
  preflight?(): Promise<void>;
  /** Commands shown after `create`, to run inside the project. */
  nextSteps(context: { installed: boolean; framework: ServiceFramework; smokeCommand: string }): string[];
  /** What its services need on a CI runner before the smoke test (`--ci`). */
  ciSetup: CiSetup;
  /** Whether a directory holds a service of this runtime, from its marker files alone (nothing is parsed). */
  owns(dir: string): boolean;
  /**
   * `dev`: the start command of a generated service (with its server's reloader when `reload`), or the one
   * add-tracing recorded for an existing one (as recorded: whether a reloader keeps its wiring is unknown).
   */
  devService(
    projectDir: string,
    framework: ServiceFramework,
    existing: ExistingAnswers | undefined,
    reload: boolean,
  ): DevService;
  /** Its handling of existing services, loaded on first use (the parsers are heavy). */
  existing(): Promise<ExistingServices>;
  /** Its part in `upgrade`, loaded on first use; a runtime without one is refused by upgrade. */
  upgrader?(): Promise<Upgrader>;
}
