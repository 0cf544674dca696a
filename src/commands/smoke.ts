/** `smoke [dir]`: run the smoke test again on a generated (or add-tracing'd) project, with its telemetry contract. */
import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readAnswers } from '../answers/read.js';
import { EXIT_FAILURE, EXIT_OK } from '../core/errors.js';
import type { Ui } from '../core/ui.js';
import { installAndSmoke } from '../pipeline/install-and-smoke.js';
import { runtimeOf } from '../runtimes/index.js';
import { contractFor } from '../smoke/contract-file.js';
import type { SmokeReport } from '../smoke/run.js';
import type { SmokeContract } from '../smoke/types.js';

export interface SmokeFlags {
  /** Write telemetry-contract.json from this run (--record, --update). */
  record?: boolean;
  update?: boolean;
  /** Write the checks as JUnit XML to this file. */
  junit?: string;
}

/** The checks for CI: JUnit XML when asked, and GitHub's job summary when the run is a GitHub Actions step. */
async function writeCiReports(
  flags: SmokeFlags,
  result: { smoke?: SmokeReport; install?: { error?: string } },
  suite: string,
) {
  const { junitXml, markdownSummary } = await import('../smoke/ci-report.js');
  // An install that failed ran no check: CI still gets one failed test that says so.
  const report: SmokeReport = result.smoke ?? {
    ...NOT_RUN,
    checks: [{ name: 'install', ok: false, detail: result.install?.error ?? 'the install failed (see the output)' }],
  };
  if (flags.junit) await writeFile(path.resolve(flags.junit), junitXml(report, suite));
  const summary = process.env.GITHUB_STEP_SUMMARY;
  if (summary) await appendFile(summary, markdownSummary(report, suite));
}

const NOT_RUN: SmokeReport = {
  ok: false,
  checks: [],
  requests: [],
  spans: [],
  logs: [],
  metrics: [],
  ignored: { traces: 0, metrics: 0, logs: 0 },
  exporter: 'otlp-grpc',
  notes: [],
  durationMs: 0,
};

export async function smokeCommand(
  dirArg: string | undefined,
  ui: Ui,
  flags: SmokeFlags = {},
): Promise<{ code: number; result: { ok: boolean; directory: string } }> {
  const directory = path.resolve(dirArg ?? '.');
  const answers = await readAnswers(directory);
  // Read before anything starts: a bad contract file is bad input.
  const contract = contractFor(directory, flags.record || flags.update ? 'record' : 'check');
  const outcome = await runSmoke(directory, answers, ui, contract);
  await writeCiReports(flags, outcome.result, answers.options.serviceName);
  return outcome;
}

async function runSmoke(
  directory: string,
  answers: Awaited<ReturnType<typeof readAnswers>>,
  ui: Ui,
  contract: SmokeContract | undefined,
): Promise<{ code: number; result: { ok: boolean; directory: string; smoke?: SmokeReport } }> {
  const runtime = runtimeOf(answers.options.framework);
  // A service traced by add-tracing brings its own dependencies, start command and route.
  if (answers.existing)
    return (await runtime.existing()).smoke(directory, answers.existing, answers.options, ui, contract);
  const target = contract ? { target: { contract } } : {};
  const result = await installAndSmoke(directory, answers.options, runtime, { smoke: true, ...target }, ui);
  return { code: result.ok ? EXIT_OK : EXIT_FAILURE, result: { ...result, directory } };
}
