/** `smoke [dir]`: run the smoke test again on a generated (or add-tracing'd) project, with its telemetry contract. */
import path from 'node:path';
import { readAnswers } from '../answers/read.js';
import { EXIT_FAILURE, EXIT_OK } from '../core/errors.js';
import type { Ui } from '../core/ui.js';
import { installAndSmoke } from '../pipeline/install-and-smoke.js';
import { runtimeOf } from '../runtimes/index.js';
import { contractFor } from '../smoke/contract-file.js';

export interface SmokeFlags {
  /** Write telemetry-contract.json from this run (--record, --update). */
  record?: boolean;
  update?: boolean;
}

export async function smokeCommand(
  dirArg: string | undefined,
  ui: Ui,
  flags: SmokeFlags = {},
): Promise<{ code: number; result: { ok: boolean; directory: string } }> {
  const directory = path.resolve(dirArg ?? '.');
  const answers = await readAnswers(directory);
  const runtime = runtimeOf(answers.options.framework);
  // Read before anything starts: a bad contract file is bad input.
  const contract = contractFor(directory, flags.record || flags.update ? 'record' : 'check');
  // A service traced by add-tracing brings its own dependencies, start command and route.
  if (answers.existing)
    return (await runtime.existing()).smoke(directory, answers.existing, answers.options, ui, contract);
  const target = contract ? { target: { contract } } : {};
  const result = await installAndSmoke(directory, answers.options, runtime, { smoke: true, ...target }, ui);
  return { code: result.ok ? EXIT_OK : EXIT_FAILURE, result: { ...result, directory } };
}
