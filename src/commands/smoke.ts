/** `smoke [dir]`: run the smoke test again on a generated (or add-tracing'd) project. */
import path from 'node:path';
import { EXIT_FAILURE, EXIT_OK } from '../core/errors.js';
import { isNodeService } from '../runtimes/node/existing/detect.js';
import { readAnswers } from '../answers/read.js';
import type { Ui } from '../core/ui.js';
import { installAndSmoke, type PipelineResult } from '../pipeline/install-and-smoke.js';

export async function smokeCommand(
  dirArg: string | undefined,
  ui: Ui,
): Promise<{ code: number; result: PipelineResult & { directory: string } }> {
  const directory = path.resolve(dirArg ?? '.');
  const answers = await readAnswers(directory);
  if (answers.existing && isNodeService(directory)) {
    const { nodeSmoke } = await import('../runtimes/node/existing/command.js');
    return nodeSmoke(directory, answers.existing, answers.options, ui) as unknown as Promise<{
      code: number;
      result: PipelineResult & { directory: string };
    }>;
  }
  // An existing service traced by add-tracing brings its own dependencies, start command and route.
  const settings = answers.existing
    ? await (await import('../runtimes/python/existing/smoke-target.js')).existingSmokeSettings(
        directory,
        answers.existing,
        answers.options,
        ui,
      )
    : undefined;
  try {
    const result = await installAndSmoke(directory, answers.options, { smoke: true, ...settings?.pipeline }, ui);
    return { code: result.ok ? EXIT_OK : EXIT_FAILURE, result: { ...result, directory } };
  } finally {
    await settings?.cleanup();
  }
}
