/** `doctor [dir]`: the add-tracing diagnosis alone; exit 1 when something is wrong (for CI). */
import path from 'node:path';
import pc from 'picocolors';
import { EXIT_FAILURE, EXIT_OK } from '../core/errors.js';
import type { Ui } from '../core/ui.js';
import { formatFindings, hasErrors, type Finding } from '../pipeline/findings.js';
import { runtimeFor } from '../runtimes/index.js';

export interface DoctorResult {
  ok: boolean;
  directory: string;
  findings: Finding[];
  /** What was found of the service, as its runtime describes it. */
  project: object;
}

export async function doctorCommand(
  dirArg: string | undefined,
  flags: { app?: string; checkPypi?: boolean },
  ui: Ui,
): Promise<{ code: number; result: DoctorResult }> {
  const root = path.resolve(dirArg ?? '.');
  const existing = await runtimeFor(root).existing();
  const { findings, project } = await existing.diagnose(root, flags);
  const color = !ui.json && process.stdout.isTTY === true;
  ui.block(
    `${pc.bold(`OpenTelemetry diagnosis of ${path.relative(process.cwd(), root) || '.'}`)}\n${formatFindings(findings, { color })}`,
  );
  const ok = !hasErrors(findings);
  return { code: ok ? EXIT_OK : EXIT_FAILURE, result: { ok, directory: root, findings, project } };
}
