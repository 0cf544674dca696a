/** `doctor [dir]`: the add-tracing diagnosis alone; exit 1 when something is wrong (for CI). */
import path from 'node:path';
import pc from 'picocolors';
import { detectProject } from '../runtimes/python/existing/detect.js';
import { diagnose, formatFindings, hasErrors, type Finding } from '../runtimes/python/existing/diagnose.js';
import { lockFindings } from '../runtimes/python/existing/lock.js';
import { lockFilesOf } from '../runtimes/python/existing/relock-step.js';
import { EXIT_FAILURE, EXIT_OK } from '../core/errors.js';
import type { Ui } from '../core/ui.js';
import { upgradeFindings } from '../upgrade/doctor.js';
import { summarizeReport } from '../runtimes/python/existing/summary.js';
import { isNodeService } from '../runtimes/node/existing/detect.js';

export interface DoctorResult {
  ok: boolean;
  directory: string;
  findings: Finding[];
  project: ReturnType<typeof summarizeReport> | NodeSummary;
}

/** What doctor found of a Node service (Express or Fastify). */
export interface NodeSummary {
  root: string;
  runtime: 'node';
  framework: string | undefined;
  start: string | undefined;
}

export async function doctorCommand(
  dirArg: string | undefined,
  flags: { app?: string; checkPypi?: boolean },
  ui: Ui,
): Promise<{ code: number; result: DoctorResult }> {
  const root = path.resolve(dirArg ?? '.');
  // The parser loads only for a Node service.
  if (isNodeService(root)) return nodeDoctor(root, ui);
  const report = await detectProject(root, flags.app !== undefined ? { app: flags.app } : {});
  const findings = [
    ...diagnose(report),
    ...lockFindings(await lockFilesOf(root), report.dependencyFiles),
    ...(await upgradeFindings(root, { checkPypi: flags.checkPypi })),
  ];
  const ok = printFindings(root, findings, ui);
  return {
    code: ok ? EXIT_OK : EXIT_FAILURE,
    result: { ok, directory: root, findings, project: summarizeReport(report) },
  };
}

/** Prints the findings under a heading; true when none is an error. */
function printFindings(root: string, findings: Finding[], ui: Ui): boolean {
  ui.block(
    `${pc.bold(`OpenTelemetry diagnosis of ${path.relative(process.cwd(), root) || '.'}`)}\n${formatFindings(findings, { color: !ui.json && process.stdout.isTTY === true })}`,
  );
  return !hasErrors(findings);
}

async function nodeDoctor(root: string, ui: Ui): Promise<{ code: number; result: DoctorResult }> {
  const { diagnoseNodeService } = await import('../runtimes/node/doctor/index.js');
  const { framework, start, findings } = diagnoseNodeService(root);
  const ok = printFindings(root, findings, ui);
  return {
    code: ok ? EXIT_OK : EXIT_FAILURE,
    result: { ok, directory: root, findings, project: { root, runtime: 'node', framework, start } },
  };
}
