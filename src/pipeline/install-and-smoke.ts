/** The steps after writing, shared by create, smoke, add-tracing and upgrade: prepare the environment, run the smoke test. */
import pc from 'picocolors';
import { InstallError } from '../core/errors.js';
import type { Ui } from '../core/ui.js';
import type { ServiceOptions } from '../options/schema.js';
import type { SmokeReport } from '../smoke/run.js';
import type { SmokeRuntime, SmokeTarget } from '../smoke/types.js';

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

/** What installing a service needs of its runtime (every runtime provides it). */
export interface InstallingRuntime {
  /** Step title shown while preparing the environment. */
  installTitle: string;
  /** The installer named in the result when the install failed before one was chosen. */
  installerName: string;
  /** Said when the environment was already up to date and nothing was installed. */
  reusedNote: string;
  /** Installs the project's dependencies (and builds it where needed). */
  prepare(projectDir: string, options: ServiceOptions, settings: PrepareSettings): Promise<PreparedEnv>;
}

export interface PipelineResult {
  ok: boolean;
  install?: { installer: string; reused: boolean; durationMs: number; error?: string; rerun?: string };
  smoke?: SmokeReport;
}

export interface InstallAndSmokeSettings {
  smoke: boolean;
  target?: Partial<SmokeTarget>;
  /** Requirements file to install, relative to the project (default: requirements-dev.txt). */
  requirementsFile?: string;
  /** The interpreter to build the venv with (add-tracing: the one the project declares). */
  basePython?: { command: string; version: string };
  /** Completes the target once the environment exists (add-tracing reads the app's routes with it). */
  resolveTarget?: (env: PreparedEnv) => Promise<Partial<SmokeTarget>>;
}

export async function installAndSmoke(
  projectDir: string,
  options: ServiceOptions,
  runtime: InstallingRuntime & SmokeRuntime,
  settings: InstallAndSmokeSettings,
  ui: Ui,
): Promise<PipelineResult> {
  const started = performance.now();
  let env: PreparedEnv;
  try {
    env = await ui.step(runtime.installTitle, (update) =>
      runtime.prepare(projectDir, options, {
        onProgress: update,
        ...(settings.requirementsFile ? { requirementsFile: settings.requirementsFile } : {}),
        ...(settings.basePython ? { basePython: settings.basePython } : {}),
      }),
    );
  } catch (error) {
    if (!(error instanceof InstallError)) throw error;
    reportInstallError(error, ui);
    return {
      ok: false,
      install: {
        installer: runtime.installerName,
        reused: false,
        durationMs: performance.now() - started,
        error: error.message,
        rerun: error.rerun,
      },
    };
  }
  const install = { installer: env.installer, reused: env.reused, durationMs: performance.now() - started };
  if (env.reused) ui.info(runtime.reusedNote);
  if (!settings.smoke) return { ok: true, install };

  const target = settings.resolveTarget
    ? { ...settings.target, ...(await settings.resolveTarget(env)) }
    : settings.target;
  const smoke = await smokeStep({ projectDir, venvDir: env.venvDir, options, runtime, ...target }, ui);
  return { ok: smoke.ok, install, smoke };
}

/** A failed install as the user reads it: the message, the tail of the installer's output, how to rerun it. */
export function reportInstallError(error: InstallError, ui: Ui): void {
  ui.block(pc.red(`Install failed: ${error.message}`));
  if (error.outputTail)
    ui.block(
      error.outputTail
        .split('\n')
        .map((l) => pc.dim(`  ${l}`))
        .join('\n'),
    );
  if (error.rerun) ui.block(`Rerun it with:\n  ${error.rerun}`);
}

/** The smoke test as a step: the service started, requests sent, the report (with what `annotate` adds) printed. */
export async function smokeStep(
  target: Parameters<typeof import('../smoke/run.js').runSmoke>[0],
  ui: Ui,
  annotate?: (report: SmokeReport) => void,
) {
  // The receiver (gRPC, protobuf) loads only when a smoke test actually runs.
  const { runSmoke } = await import('../smoke/run.js');
  const { formatSmokeReport } = await import('../smoke/report.js');
  const smoke = await ui.step(
    'Smoke test: start the service, send requests, receive its spans',
    (update) => runSmoke(target, update),
    (report) => !report.ok,
  );
  annotate?.(smoke);
  ui.block(formatSmokeReport(smoke, { color: !ui.json && process.stdout.isTTY === true }));
  return smoke;
}
