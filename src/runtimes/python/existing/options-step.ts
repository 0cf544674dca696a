/**
 * add-tracing's options: the previous run's answers, then --config, then flags (the service name defaults to
 * the project's), and the OpenTelemetry set that fits the project's Python and framework.
 */
import path from 'node:path';
import { parseOptionsOrThrow, readConfigFile } from '../../../answers/config-file.js';
import { UsageError } from '../../../core/errors.js';
import { layerOptions } from '../../../answers/layer-options.js';
import { OPTION_KEYS, type ServiceOptions } from '../../../options/schema.js';
import type { Ui } from '../../../core/ui.js';
import type { OtelLineName } from '../../../catalog/python-sets.js';
import { previousAnswers } from './answers-record.js';
import { projectEnvironment, type ProjectEnvironment } from './environment.js';
import { tracedFramework } from './refuse.js';
import type { ProjectReport } from './types.js';

// The one ProjectEnvironment (environment.ts), passed on for add-tracing, which reads it from this step.
export type { ProjectEnvironment };

export async function mergeOptions(
  root: string,
  report: ProjectReport,
  flagOptions: Record<string, unknown>,
  configPath: string | undefined,
): Promise<{ options: ServiceOptions; requestedLine: OtelLineName | undefined }> {
  const previous = previousAnswers(report);
  const fromConfig: Record<string, unknown> = configPath ? await readConfigFile(configPath) : {};
  const framework = tracedFramework(report, flagOptions.framework ?? fromConfig.framework);
  // The framework is the app's own (tracedFramework refused any other one asked for); keys that are not
  // options (an answers file's other parts) are dropped.
  const { raw, sourceOf } = layerOptions({
    flags: flagOptions,
    config: fromConfig,
    answers: previous?.options,
    defaults: { serviceName: report.projectName ?? path.basename(root) },
    fixed: { framework },
    keys: OPTION_KEYS,
  });
  const options = parseOptionsOrThrow(raw, sourceOf);
  const requestedLine = raw.otelVersion !== undefined ? (options.otelVersion as OtelLineName) : undefined;
  return { options, requestedLine };
}

/**
 * The OpenTelemetry set: the one asked for (checked), else the newest that fits the project's Python and
 * framework; sets options.otelVersion and says why.
 */
export async function chooseEnvironment(
  root: string,
  report: ProjectReport,
  options: ServiceOptions,
  requestedLine: OtelLineName | undefined,
  needsVenv: boolean,
  ui: Ui,
  python?: string,
): Promise<ProjectEnvironment> {
  const env = await projectEnvironment(root, options.framework, report.dependencyFiles, requestedLine, python).catch(
    (error: Error) => {
      throw new UsageError(error.message);
    },
  );
  options.otelVersion = env.choice.line;
  ui.info(env.choice.reason);
  if (env.missing && needsVenv) throw new UsageError(env.missing);
  if (env.interpreter) {
    const declared = env.declared.sources.length ? `: the project declares ${env.declared.sources.join(', ')}` : '';
    ui.info(`Python ${env.interpreter.version} (${env.interpreter.command}) for the smoke test${declared}`);
  }
  return env;
}
