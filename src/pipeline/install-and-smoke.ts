/** The steps after writing, shared by create, smoke and add-tracing: prepare the environment, run the smoke test. */
import pc from 'picocolors';
import type { ServiceOptions } from '../options/schema.js';
import type { PythonEnv } from '../runtimes/python/env.js';
import { runtimeOf, type PreparedEnv } from '../runtimes/index.js';
import type { SmokeReport } from '../smoke/run.js';
import type { SmokeTarget } from '../smoke/types.js';
import type { Ui } from '../core/ui.js';

export interface PipelineResult {
  ok: boolean;
  install?: { installer: string; reused: boolean; durationMs: number; error?: string; rerun?: string };
  smoke?: SmokeReport;
}

export async function installAndSmoke(
  projectDir: string,
  options: ServiceOptions,
  settings: {
    smoke: boolean;
    target?: Partial<SmokeTarget>;
    /** Requirements file to install, relative to the project (default: requirements-dev.txt). */
    requirementsFile?: string;
    /** The interpreter to build the venv with (add-tracing: the one the project declares). */
    basePython?: { command: string; version: string };
    /** Completes the target once the environment exists (add-tracing reads the app's routes with it). */
    resolveTarget?: (env: PythonEnv) => Promise<Partial<SmokeTarget>>;
  },
  ui: Ui,
): Promise<PipelineResult> {
  const started = performance.now();
  const runtime = runtimeOf(options.framework);
  // execa and the installer load only when something is installed (not for --no-install or --dry-run).
  const { InstallError } = await import('../runtimes/python/env.js');
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
    ui.block(pc.red(`Install failed: ${error.message}`));
    if (error.outputTail)
      ui.block(
        error.outputTail
          .split('\n')
          .map((l) => pc.dim(`  ${l}`))
          .join('\n'),
      );
    if (error.rerun) ui.block(`Rerun it with:\n  ${error.rerun}`);
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

  // The receiver (gRPC, protobuf) loads only when a smoke test actually runs.
  const { runSmoke } = await import('../smoke/run.js');
  const { formatSmokeReport } = await import('../smoke/report.js');
  const target = settings.resolveTarget
    ? // add-tracing, the only caller that resolves a target, wires Python projects only.
      { ...settings.target, ...(await settings.resolveTarget(env as PythonEnv)) }
    : settings.target;
  const smoke = await ui.step(
    'Smoke test: start the service, send requests, receive its spans',
    (update) => runSmoke({ projectDir, venvDir: env.venvDir, options, runtime, ...target }, update),
    (report) => !report.ok,
  );
  ui.block(formatSmokeReport(smoke, { color: !ui.json && process.stdout.isTTY === true }));
  return { ok: smoke.ok, install, smoke };
}
