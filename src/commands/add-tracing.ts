/**
 * `add-tracing [dir]`: trace an existing web service the way generated services are, show the change
 * as a diff, write it (atomically, only with consent), record it in the answers file, then prove it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../core/errors.js';
import type { Ui } from '../core/ui.js';
import { cliVersion } from '../core/paths.js';
import { ciChanges, ciKind } from '../pipeline/ci-files.js';
import { formatFindings } from '../pipeline/findings.js';
import { finishInterruptedWrite } from '../pipeline/apply.js';
import { printNextSteps, reviewAndWrite } from '../pipeline/review-and-write.js';
import { runtimeFor, type AddTracingFlags, type TracingResult } from '../runtimes/index.js';

export type { AddTracingFlags } from '../runtimes/index.js';

function checkFlags(flags: AddTracingFlags): void {
  if (flags.route !== undefined && !flags.route.startsWith('/'))
    throw new UsageError(`--route ${JSON.stringify(flags.route)} must be a path starting with /`);
  if (flags.envFile !== undefined && !existsSync(path.resolve(flags.envFile))) {
    throw new UsageError(
      `--env-file ${flags.envFile} does not exist; pass an existing dotenv file — nothing was changed`,
    );
  }
}

const done = (result: TracingResult) => ({ code: result.ok ? EXIT_OK : EXIT_FAILURE, result });

export async function addTracingCommand(
  dirArg: string | undefined,
  flagOptions: Record<string, unknown>,
  flags: AddTracingFlags,
  ui: Ui,
): Promise<{ code: number; result: TracingResult }> {
  const root = path.resolve(dirArg ?? '.');
  checkFlags(flags);
  const ci = ciKind(flags.ci);
  if (existsSync(root)) finishInterruptedWrite(root, ui);
  const runtime = runtimeFor(root);
  const existing = await runtime.existing();
  const plan = await existing.planTracing(root, flagOptions, flags, ui);
  if ('done' in plan) return done(plan.done);
  if (ci) plan.changes.push(...ciChanges(root, ci, { setup: runtime.ciSetup, version: cliVersion() }));

  const { result } = plan;
  const color = !ui.json && process.stdout.isTTY === true;
  ui.block(`${pc.bold('Diagnosis')}\n${formatFindings(result.findings, { color })}`);
  for (const note of plan.notes) ui.warn(note);
  result.written = await reviewAndWrite(root, plan.changes, flags, ui, color, plan.traced);
  if (flags.dryRun) return done(result);

  if (!(await plan.afterWrite(result.written, ui))) return done(result);
  if (!flags.install) {
    if (flags.smoke) ui.info('skipping the smoke test: it needs the installed dependencies (--no-install)');
    return done(result);
  }
  if (await plan.verify(ui)) printNextSteps(root, ui, plan.nextStep);
  return done(result);
}
