/**
 * The Python runtime's part in `upgrade`: the matched set a project can move to (its Python decides), what the
 * tool renders on it (the whole project, or the telemetry module add-tracing wrote), then re-lock and smoke.
 */
import type { ExistingAnswers } from '../../../answers/document.js';
import type { Ui } from '../../../core/ui.js';
import type { ServiceOptions } from '../../../options/schema.js';
import type { PipelineResult } from '../../../pipeline/install-and-smoke.js';
import type { UpgradeTarget } from '../../../upgrade/project.js';
import type { Runtime, Upgrader } from '../../types.js';
import { relockStep } from '../existing/relock-step.js';
import { renderTelemetryModule } from '../existing/telemetry-module.js';
import { frameworkLine } from '../templates.js';
import { projectPython } from './interpreter.js';
import { targetLine } from './lines.js';
import { ownedInputs, renderOwned } from './owned.js';

async function target(
  root: string,
  oldOptions: ServiceOptions,
  requested: { otelVersion?: string; signals?: ServiceOptions['signals'] },
  existing: ExistingAnswers | undefined,
): Promise<UpgradeTarget> {
  const to = targetLine(oldOptions.otelVersion, requested.otelVersion, await projectPython(root));
  // New signals are the user's choice (--signals), never today's default for a project that predates them.
  const signals = requested.signals ?? oldOptions.signals;
  const options: ServiceOptions = { ...oldOptions, otelVersion: to.line, signals };
  return {
    options,
    versions: {
      fromLine: oldOptions.otelVersion,
      toLine: to.line,
      fromSet: frameworkLine(oldOptions),
      toSet: frameworkLine(options),
      why: to.why,
    },
    renderRecorded: () => renderOwned(oldOptions, existing, renderTelemetryModule),
    inputs: (record) =>
      ownedInputs({ newOptions: options, oldOptions, existing, renderTelemetry: renderTelemetryModule, ...record }),
  };
}

/** A generated project installs requirements-dev.txt; an add-tracing'd one its own files, on its recorded route. */
async function verify(
  runtime: Runtime,
  root: string,
  options: ServiceOptions,
  existing: ExistingAnswers | undefined,
  smoke: boolean,
  ui: Ui,
): Promise<PipelineResult> {
  const { installAndSmoke } = await import('../../../pipeline/install-and-smoke.js');
  if (!existing) return installAndSmoke(root, options, runtime, { smoke }, ui);
  const { existingSmokeSettings } = await import('../existing/smoke-target.js');
  const settings = await existingSmokeSettings(root, existing, options, ui);
  try {
    return await installAndSmoke(root, options, runtime, { smoke, ...settings.pipeline }, ui);
  } finally {
    await settings.cleanup();
  }
}

export function pythonUpgrader(runtime: Runtime): Upgrader {
  return {
    target,
    // The same re-lock add-tracing does: the project's own locker, nothing else upgraded, checked fresh.
    relock: (root, changed, ui, skip) => relockStep(root, changed, ui, { skip }),
    verify: (...args) => verify(runtime, ...args),
  };
}
