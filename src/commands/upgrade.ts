/**
 * `upgrade [dir]`: carry a generated or add-tracing'd project to the newest matched OpenTelemetry set this
 * CLI knows and to this CLI's templates, merging the user's edits three ways (see src/upgrade/). The steps:
 * read the answers, plan with the project's runtime, show the plan and the diff, consent and write, re-lock,
 * then install and smoke test.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { readAnswersForUpgrade } from '../answers/read.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../core/errors.js';
import { ANSWERS_FILE } from '../core/paths.js';
import type { Ui } from '../core/ui.js';
import type { FileChange } from '../pipeline/changes.js';
import { finishInterruptedWrite } from '../pipeline/apply.js';
import { plainDiff } from '../pipeline/diff.js';
import type { PipelineResult } from '../pipeline/install-and-smoke.js';
import { consentAndWrite, showReview } from '../pipeline/review-and-write.js';
import { runtimeOf, type LockOutcome, type Upgrader } from '../runtimes/index.js';
import type { AnswersDocument } from '../answers/document.js';
import { recordsNoBase } from '../answers/migrations.js';
import { OptionsError, parseServiceOptions, type ServiceOptions } from '../options/schema.js';
import { formatConflicts, formatPlan, formatSignals, formatVersions, type VersionMove } from '../upgrade/format.js';
import { baseFromHistory } from '../upgrade/history.js';
import type { FilePlan } from '../upgrade/plan.js';
import { planProjectUpgrade, type ProjectUpgrade, type UpgradeTarget } from '../upgrade/project.js';

export interface UpgradeFlags {
  yes?: boolean;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
  install: boolean;
  smoke: boolean;
  /** false with --no-lock: lock files are named as stale, not re-locked. */
  lock?: boolean;
  otelVersion?: string;
  /** --signals: the signals to export from now on (a comma list); absent keeps the recorded ones. */
  signals?: string;
}

export interface UpgradeResult {
  ok: boolean;
  directory: string;
  dryRun: boolean;
  versions: VersionMove;
  /** The signals exported before and after (they differ only with --signals). */
  signals: { from: string[]; to: string[] };
  migrations: { id: string; summary: string }[];
  notes: string[];
  files: { path: string; action: FilePlan['action']; conflicts: number; reason?: string }[];
  pins: FilePlan['pins'];
  conflicts: string[];
  written: string[];
  diff: string;
  /** Lock files re-locked (or found stale) after the pins moved. */
  locks: LockOutcome[];
  pipeline?: PipelineResult;
}

type Outcome = { code: number; result: UpgradeResult };

export async function upgradeCommand(dirArg: string | undefined, flags: UpgradeFlags, ui: Ui): Promise<Outcome> {
  const root = path.resolve(dirArg ?? '.');
  // A write a killed run left in the project is finished (or rolled back) before anything is read.
  if (existsSync(root)) finishInterruptedWrite(root, ui);
  const answers = readAnswersForUpgrade(root);
  const signals = requestedSignals(answers.options, flags.signals);
  const upgrader = await upgraderOf(answers.options.framework);
  const requested = {
    ...(flags.otelVersion ? { otelVersion: flags.otelVersion } : {}),
    ...(signals ? { signals } : {}),
  };
  const target = await upgrader.target(root, answers.options, requested, answers.doc.existing);
  const history = await historyBase(root, answers.doc, target);
  const planned = planProjectUpgrade(root, answers, target, history);
  const changes = changesOf(planned, answers.text);
  // The answers file's own diff is hashes and a base64 blob: the plan names what it records instead.
  const shown = changes.filter((c) => c.path !== ANSWERS_FILE);
  const signalsMove = { from: [...answers.options.signals], to: [...target.options.signals] };
  const result = resultOf(root, flags, { versions: target.versions, signals: signalsMove }, planned, shown);
  const color = !ui.json && process.stdout.isTTY === true;
  showPlan(root, target.versions, planned, Boolean(flags.dryRun), color, ui);
  const signalsLine = formatSignals(signalsMove.from, signalsMove.to);
  if (signalsLine) ui.info(signalsLine);
  if (changes.length === 0) return nothingToUpgrade(planned.leftover, result, ui);

  // New files are shown in full: a template's new file is as much the upgrade as an edit.
  await showReview(root, changes, { ...flags, showNew: true }, ui, color, shown);
  const conflictText = formatConflicts(planned.plans, color);
  if (flags.dryRun) {
    if (conflictText) ui.block(conflictText.replace(/^Conflicts/, 'Would conflict'));
    ui.info('--dry-run: nothing was written');
    return { code: EXIT_OK, result };
  }
  result.written = await consentAndWrite(root, changes, flags, ui, { command: 'upgrade', preview: 'the plan' });
  result.locks = await upgrader.relock(root, [...new Set(result.pins.map((p) => p.file))], ui, flags.lock === false);
  if (conflictText) {
    // A project with conflict markers does not import: no smoke test until they are resolved.
    ui.block(conflictText);
    return { code: EXIT_FAILURE, result: { ...result, ok: false } };
  }
  if (!flags.install) {
    if (flags.smoke) ui.info('skipping the smoke test: it needs the installed environment (--no-install)');
    return { code: EXIT_OK, result };
  }
  result.pipeline = await upgrader.verify(root, target.options, answers.doc.existing, flags.smoke, ui);
  result.ok = result.pipeline.ok;
  return { code: result.ok ? EXIT_OK : EXIT_FAILURE, result };
}

/** --signals as options, checked as create checks them (one line, exit 2); undefined keeps the recorded ones. */
function requestedSignals(options: ServiceOptions, flag: string | undefined): ServiceOptions['signals'] | undefined {
  if (flag === undefined) return undefined;
  try {
    return parseServiceOptions({ ...options, signals: flag }, () => 'flag').signals;
  } catch (error) {
    if (error instanceof OptionsError) throw new UsageError(`${error.message} — nothing was changed`);
    throw error;
  }
}

/** For an answers file that recorded no base: the files as the commit that first added it holds them. */
async function historyBase(root: string, doc: AnswersDocument, target: UpgradeTarget) {
  if (!recordsNoBase(doc)) return undefined;
  const paths = (target.renderRecorded() ?? []).map((f) => f.path);
  return paths.length > 0 ? baseFromHistory(root, paths) : undefined;
}

/** The upgrade of the framework's runtime; a runtime without one is refused in one line. */
async function upgraderOf(framework: string): Promise<Upgrader> {
  const runtime = runtimeOf(framework);
  if (!runtime.upgrader) {
    throw new UsageError(
      `upgrade is not available for ${runtime.displayName} projects (${framework}): edit the OpenTelemetry pins ` +
        `in the project's dependency file and run ${runtime.installerName} install — nothing was changed`,
    );
  }
  return runtime.upgrader();
}

/** What to write: each file with a new content, the answers file last. */
function changesOf(planned: ProjectUpgrade, answersBefore: string): FileChange[] {
  const changes: FileChange[] = planned.plans
    .filter((p) => p.after !== null)
    .map((p) => ({ path: p.path, before: p.before, after: p.after!, summary: [p.action] }));
  if (planned.answersAfter !== undefined)
    changes.push({ path: ANSWERS_FILE, before: answersBefore, after: planned.answersAfter, summary: ['record'] });
  return changes;
}

function resultOf(
  root: string,
  flags: UpgradeFlags,
  moves: Pick<UpgradeResult, 'versions' | 'signals'>,
  { migrated, plans }: ProjectUpgrade,
  shown: FileChange[],
): UpgradeResult {
  return {
    ok: true,
    directory: root,
    dryRun: Boolean(flags.dryRun),
    ...moves,
    migrations: migrated.applied,
    notes: migrated.notes,
    files: plans.map((p) => ({
      path: p.path,
      action: p.action,
      conflicts: p.conflicts,
      ...(p.reason ? { reason: p.reason } : {}),
    })),
    pins: plans.flatMap((p) => p.pins),
    conflicts: plans.filter((p) => p.action === 'conflict').map((p) => p.path),
    written: [],
    diff: plainDiff(shown),
    locks: [],
  };
}

/** The plan as the user reads it: versions, migrations, pins, files, what the answers file records. */
function showPlan(
  root: string,
  versions: VersionMove,
  { migrated, plans, answersAfter }: ProjectUpgrade,
  dryRun: boolean,
  color: boolean,
  ui: Ui,
): void {
  ui.block(
    `${pc.bold(`Upgrade of ${path.relative(process.cwd(), root) || '.'}`)}\n  ${formatVersions(versions, color)}`,
  );
  for (const m of migrated.applied) ui.info(`migration ${m.id}: ${m.summary}`);
  for (const n of migrated.notes) ui.warn(n);
  const moved = versions.fromLine !== versions.toLine;
  const recorded = plans.filter((p) => p.newBase !== undefined).length;
  const record =
    answersAfter !== undefined
      ? `${ANSWERS_FILE}  ${moved ? `otelVersion ${versions.fromLine} → ${versions.toLine}; ` : ''}` +
        `hashes and base texts of ${recorded} file${recorded === 1 ? '' : 's'}`
      : undefined;
  ui.block(formatPlan(plans, { color, dryRun, ...(record ? { record } : {}) }));
}

/** No file to write: done, unless files this run leaves alone still hold conflict markers. */
function nothingToUpgrade(leftover: string[], result: UpgradeResult, ui: Ui): Outcome {
  if (leftover.length > 0) {
    ui.warn(`unresolved conflict markers in ${leftover.join(', ')}: resolve them, then run doctor`);
    return { code: EXIT_FAILURE, result: { ...result, ok: false, conflicts: leftover } };
  }
  ui.success("Nothing to upgrade: the project is on this CLI's newest matched set and templates");
  return { code: EXIT_OK, result };
}
