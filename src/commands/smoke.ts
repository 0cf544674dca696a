/** `smoke [dir]`: run the smoke test again on a generated (or add-tracing'd) project. */
import path from 'node:path';
import { EXIT_FAILURE, EXIT_OK } from '../errors.js';
import { readAnswers } from '../project.js';
import type { Ui } from '../ui.js';
import { installAndSmoke, type PipelineResult } from './pipeline.js';

export async function smokeCommand(dirArg: string | undefined, ui: Ui): Promise<{ code: number; result: PipelineResult & { directory: string } }> {
  const directory = path.resolve(dirArg ?? '.');
  const answers = await readAnswers(directory);
  const target = answers.existing
    ? {
        serverCommand: (port: number) => answers.existing!.serverCommand.map((a) => a.replace('{port}', String(port))),
        expectation: { requestPath: answers.existing.route.path, route: answers.existing.route.template },
      }
    : undefined;
  const result = await installAndSmoke(directory, answers.options, { smoke: true, ...(target ? { target } : {}) }, ui);
  return { code: result.ok ? EXIT_OK : EXIT_FAILURE, result: { ...result, directory } };
}
