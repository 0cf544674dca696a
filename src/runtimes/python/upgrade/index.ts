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
import { ownedInputs, renderOwned, type RenderTelemetry } from './owned.js';
import { wiresNativeTelemetry } from '../existing/native-patch.js';
import type { WiringVariant } from '../existing/wiring-versions.js';
import { readTextIfExistsSync } from '../../../core/read-file.js';
import path from 'node:path';

/**
 * The telemetry module rendered with the wiring add-tracing wrote into it: FastAPI's own instrumentation
 * (the app passes telemetry=fastapi_telemetry()) or FastAPIInstrumentor, as the project's module has it,
 * so an upgrade never rewires the app behind the edit made to its code.
 */
function recordedWiring(
  root: string,
  existing: ExistingAnswers | undefined,
): { renderTelemetry: RenderTelemetry; wiring: WiringVariant } {
  const module = existing?.telemetryModule
    ? readTextIfExistsSync(path.join(root, existing.telemetryModule))
    : undefined;
  const wiring = module && wiresNativeTelemetry(module) ? { nativeTelemetry: true } : {};
  return {
    renderTelemetry: (options, placement, appModule) => renderTelemetryModule(options, placement, appModule, wiring),
    wiring,
  };
}

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
  const { renderTelemetry, wiring } = recordedWiring(root, existing);
  return {
    options,
    versions: {
      fromLine: oldOptions.otelVersion,
      toLine: to.line,
      fromSet: frameworkLine(oldOptions),
      toSet: frameworkLine(options),
      why: to.why,
    },
    renderRecorded: () => renderOwned(oldOptions, existing, renderTelemetry),
    inputs: (record) => ownedInputs({ newOptions: options, oldOptions, existing, renderTelemetry, wiring, ...record }),
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
