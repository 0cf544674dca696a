/**
 * `upgrade [dir]`: carry a generated or add-tracing'd project to the newest matched OpenTelemetry set this
 * CLI knows and to this CLI's templates, merging the user's edits three ways (see src/upgrade/).
 */
import path from 'node:path';
import pc from 'picocolors';
import { applyChanges, checkWritable } from '../pipeline/apply.js';
import { renderDiff } from '../pipeline/diff.js';
import { dirtyFiles } from '../pipeline/git-safety.js';
import type { RelockResult } from '../runtimes/python/existing/lock.js';
import { relockStep } from '../runtimes/python/existing/relock-step.js';
import { CancelledError, EXIT_FAILURE, EXIT_OK, UsageError } from '../core/errors.js';
import { OptionsError, parseServiceOptions, type ServiceOptions } from '../options/schema.js';
import { ANSWERS_FILE, cliVersion } from '../core/paths.js';
import { frameworkLine } from '../runtimes/python/templates.js';
import { runtimeOf } from '../runtimes/index.js';
import type { Ui } from '../core/ui.js';
import { AnswersShapeError, serializeAnswers, type AnswersDocument } from '../answers/document.js';
import { answersPath, readAnswersFile } from '../answers/file.js';
import { formatConflicts, formatPlan, formatVersions, type VersionMove } from '../upgrade/format.js';
import { knownLines, newerKnownLine, supportsPython } from '../runtimes/python/upgrade/lines.js';
import { conflictMarkerLines } from '../upgrade/merge.js';
import { runMigrations } from '../answers/migrations.js';
import { ownedInputs, renderOwned } from '../runtimes/python/upgrade/owned.js';
import { planFiles, type FilePlan } from '../upgrade/plan.js';
import { projectPython } from '../runtimes/python/upgrade/interpreter.js';
import { contentHash, readBase, recordFiles } from '../answers/record.js';
import { OTEL_LINES } from '../catalog/python-sets.js';
import { renderTelemetryModule } from '../runtimes/python/existing/telemetry-module.js';
import type { PipelineResult } from '../pipeline/install-and-smoke.js';
import type { FileChange } from '../pipeline/changes.js';
import { readTextIfExistsSync } from '../core/read-file.js';

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
}

export interface UpgradeResult {
  ok: boolean;
  directory: string;
  dryRun: boolean;
  versions: VersionMove;
  migrations: { id: string; summary: string }[];
  notes: string[];
  files: { path: string; action: FilePlan['action']; conflicts: number; reason?: string }[];
  pins: FilePlan['pins'];
  conflicts: string[];
  written: string[];
  diff: string;
  /** Lock files re-locked (or found stale) after the pins moved. */
  locks: RelockResult[];
  pipeline?: PipelineResult;
}

function readAnswersDocument(root: string): { text: string; doc: AnswersDocument } {
  let answers: ReturnType<typeof readAnswersFile>;
  try {
    answers = readAnswersFile(root);
  } catch (error) {
    if (error instanceof AnswersShapeError)
      throw new UsageError(`${answersPath(root)} ${error.message} — nothing was changed`);
    throw error;
  }
  if (!answers) {
    throw new UsageError(
      `${root} has no ${ANSWERS_FILE}: only projects made by create-traced-service or add-tracing ` +
        'can be upgraded — nothing was changed',
    );
  }
  return answers;
}

function parseOptions(raw: Record<string, unknown>, file: string): ServiceOptions {
  try {
    return parseServiceOptions(raw, () => 'config');
  } catch (error) {
    if (error instanceof OptionsError) throw new UsageError(`${file}: ${error.message} — nothing was changed`);
    throw error;
  }
}

/** The line to move to: --otel-version, else the newest known line the project's Python supports. */
function targetLine(
  current: string,
  requested: string | undefined,
  python: string | undefined,
): { line: string; why: string } {
  if (requested !== undefined) {
    if (!(requested in OTEL_LINES))
      throw new UsageError(
        `--otel-version ${requested}: not a matched set this CLI knows; use one of ${knownLines().join(', ')}`,
      );
    if (!supportsPython(requested, python))
      throw new UsageError(
        `--otel-version ${requested} does not support the project's Python ${python}; use one of ${knownLines()
          .filter((l) => supportsPython(l, python))
          .join(', ')}`,
      );
    return { line: requested, why: '--otel-version' };
  }
  const newer = newerKnownLine(current, python);
  const py = python ? ` for Python ${python}` : '';
  return newer
    ? { line: newer, why: `the newest matched set this CLI knows${py}` }
    : { line: current, why: `already the newest matched set this CLI knows${py}` };
}

function readOurs(root: string): (rel: string) => string | null {
  return (rel) => {
    const file = path.join(root, rel);
    return readTextIfExistsSync(file, { label: rel, within: root }) ?? null;
  };
}

/** The answers after the upgrade: new options and CLI version, the migrations, and the new base of every owned file. */
function upgradedAnswers(
  doc: AnswersDocument,
  options: ServiceOptions,
  plans: FilePlan[],
  keptRecorded: Map<string, string>,
): string {
  const withBase = plans.filter((p) => p.newBase !== undefined).map((p) => ({ path: p.path, content: p.newBase! }));
  // A file kept without a base stays recorded by the hash of the render offered now (equal to it later = unedited).
  const hashOnly: Record<string, string> = {};
  for (const p of plans)
    if (p.newBase === undefined && keptRecorded.has(p.path)) hashOnly[p.path] = keptRecorded.get(p.path)!;
  return serializeAnswers({ ...doc, cliVersion: cliVersion(), options, ...recordFiles(withBase, hashOnly) });
}

async function confirm(ui: Ui, count: number): Promise<void> {
  if (!ui.interactive)
    throw new UsageError(
      'upgrade changes your files: pass --yes to write them (or --dry-run to only see the plan) ' +
        '— nothing was changed',
    );
  const clack = await import('@clack/prompts');
  const ok = await clack.confirm({
    message: `Write the upgrade to ${count} file${count === 1 ? '' : 's'}?`,
    initialValue: true,
  });
  if (clack.isCancel(ok) || !ok) throw new CancelledError();
}

interface Prepared {
  doc: AnswersDocument;
  options: ServiceOptions;
  versions: VersionMove;
  migrated: ReturnType<typeof runMigrations>;
  plans: FilePlan[];
  /** What to write, the answers file last. */
  changes: FileChange[];
  /** Files still holding conflict markers that this run would not touch. */
  leftover: string[];
}

/** Everything the upgrade would do, decided before anything is shown or written. */
async function prepare(root: string, flags: UpgradeFlags): Promise<Prepared> {
  const { text: answersBefore, doc } = readAnswersDocument(root);
  const oldOptions = parseOptions(doc.options, answersPath(root));
  if (runtimeOf(oldOptions.framework).name !== 'python') {
    throw new UsageError(
      `upgrade moves Python projects between OpenTelemetry lines; ${oldOptions.framework} is a Node project: edit the pins in package.json and run npm install`,
    );
  }
  const target = targetLine(oldOptions.otelVersion, flags.otelVersion, await projectPython(root));
  const options: ServiceOptions = { ...oldOptions, otelVersion: target.line };
  const migrated = runMigrations(doc, {
    cliVersion: cliVersion(),
    renderRecorded: () => renderOwned(oldOptions, doc.existing, renderTelemetryModule),
  });
  const ours = readOurs(root);
  const inputs = ownedInputs({
    newOptions: options,
    oldOptions,
    existing: doc.existing,
    renderTelemetry: renderTelemetryModule,
    ours,
    base: readBase(migrated.doc),
    hashes: migrated.doc.files ?? {},
    recordedAll: migrated.doc.files === undefined,
  });
  const versions: VersionMove = {
    fromLine: oldOptions.otelVersion,
    toLine: target.line,
    fromSet: frameworkLine(oldOptions),
    toSet: frameworkLine(options),
    why: target.why,
  };
  const plans = planFiles(inputs, {
    ours: 'yours',
    base: `create-traced-service ${doc.cliVersion}, OpenTelemetry ${oldOptions.otelVersion}`,
    theirs: `create-traced-service ${cliVersion()}, OpenTelemetry ${target.line}`,
  });
  const changes: FileChange[] = plans
    .filter((p) => p.after !== null)
    .map((p) => ({ path: p.path, before: p.before, after: p.after!, summary: [p.action] }));
  if (changes.length > 0 || migrated.applied.length > 0) {
    const kept = new Map(inputs.filter((i) => i.recorded && !i.noRecord).map((i) => [i.path, contentHash(i.theirs)]));
    const after = upgradedAnswers(migrated.doc, options, plans, kept);
    if (after !== answersBefore)
      changes.push({ path: ANSWERS_FILE, before: answersBefore, after, summary: ['record'] });
  }
  const leftover = plans
    .filter((p) => p.after === null && p.before !== null && conflictMarkerLines(p.before).length > 0)
    .map((p) => p.path);
  return { doc, options, versions, migrated, plans, changes, leftover };
}

/** The plan as the user reads it: versions, migrations, pins, files, what the answers file records. */
function showPlan(root: string, prepared: Prepared, dryRun: boolean, color: boolean, ui: Ui): void {
  const { versions, migrated, plans, changes } = prepared;
  ui.block(
    `${pc.bold(`Upgrade of ${path.relative(process.cwd(), root) || '.'}`)}\n  ${formatVersions(versions, color)}`,
  );
  for (const m of migrated.applied) ui.info(`migration ${m.id}: ${m.summary}`);
  for (const n of migrated.notes) ui.warn(n);
  const moved = versions.fromLine !== versions.toLine;
  const recorded = plans.filter((p) => p.newBase !== undefined).length;
  const record = changes.some((c) => c.path === ANSWERS_FILE)
    ? `${ANSWERS_FILE}  ${moved ? `otelVersion ${versions.fromLine} → ${versions.toLine}; ` : ''}` +
      `hashes and base texts of ${recorded} file${recorded === 1 ? '' : 's'}`
    : undefined;
  ui.block(formatPlan(plans, { color, dryRun, ...(record ? { record } : {}) }));
}

export async function upgradeCommand(
  dirArg: string | undefined,
  flags: UpgradeFlags,
  ui: Ui,
): Promise<{ code: number; result: UpgradeResult }> {
  const root = path.resolve(dirArg ?? '.');
  const prepared = await prepare(root, flags);
  const { plans, changes, leftover } = prepared;
  // The answers file's own diff is hashes and a base64 blob: the plan names what it records instead.
  const shown = changes.filter((c) => c.path !== ANSWERS_FILE);
  const result: UpgradeResult = {
    ok: true,
    directory: root,
    dryRun: Boolean(flags.dryRun),
    versions: prepared.versions,
    migrations: prepared.migrated.applied,
    notes: prepared.migrated.notes,
    files: plans.map((p) => ({
      path: p.path,
      action: p.action,
      conflicts: p.conflicts,
      ...(p.reason ? { reason: p.reason } : {}),
    })),
    pins: plans.flatMap((p) => p.pins),
    conflicts: plans.filter((p) => p.action === 'conflict').map((p) => p.path),
    written: [],
    diff: renderDiff(shown, false),
    locks: [],
  };
  const color = !ui.json && process.stdout.isTTY === true;
  showPlan(root, prepared, Boolean(flags.dryRun), color, ui);

  if (changes.length === 0) {
    if (leftover.length > 0) {
      ui.warn(`unresolved conflict markers in ${leftover.join(', ')}: resolve them, then run doctor`);
      return { code: EXIT_FAILURE, result: { ...result, ok: false, conflicts: leftover } };
    }
    ui.success("Nothing to upgrade: the project is on this CLI's newest matched set and templates");
    return { code: EXIT_OK, result };
  }
  if (shown.length > 0)
    ui.block(`\n${pc.bold(flags.dryRun ? 'Would change' : 'Changes')}\n${renderDiff(shown, color)}`);
  const conflictText = formatConflicts(plans, color);
  if (flags.dryRun) {
    if (conflictText) ui.block(conflictText.replace(/^Conflicts/, 'Would conflict'));
    ui.info('--dry-run: nothing was written');
    return { code: EXIT_OK, result };
  }

  await write(root, changes, flags, ui);
  result.written = changes.map((c) => c.path);
  // The same re-lock add-tracing does: the project's own locker, nothing else upgraded, checked fresh.
  result.locks = await relockStep(root, [...new Set(result.pins.map((p) => p.file))], ui, {
    skip: flags.lock === false,
  });
  if (conflictText) {
    // A project with conflict markers does not import: no smoke test until they are resolved.
    ui.block(conflictText);
    return { code: EXIT_FAILURE, result: { ...result, ok: false } };
  }
  if (!flags.install) {
    if (flags.smoke) ui.info('skipping the smoke test: it needs the installed environment (--no-install)');
    return { code: EXIT_OK, result };
  }
  result.pipeline = await smokeAfterUpgrade(root, prepared.options, prepared.doc, flags.smoke, ui);
  result.ok = result.pipeline.ok;
  return { code: result.ok ? EXIT_OK : EXIT_FAILURE, result };
}

/** Checks everything first (writable, committed, confirmed), then writes each file atomically. */
async function write(root: string, changes: FileChange[], flags: UpgradeFlags, ui: Ui): Promise<void> {
  await checkWritable(root, changes);
  if (!flags.force) {
    const dirty = await dirtyFiles(
      root,
      changes.map((c) => c.path),
    );
    if (dirty.length > 0) {
      throw new UsageError(
        `uncommitted changes in ${dirty.join(', ')}: commit or stash them first, or pass --force ` +
          '— nothing was changed',
      );
    }
  }
  if (!flags.yes) await confirm(ui, changes.length);
  await ui.step(`Writing ${changes.length} file${changes.length === 1 ? '' : 's'}`, () => applyChanges(root, changes));
}

async function smokeAfterUpgrade(
  root: string,
  options: ServiceOptions,
  doc: AnswersDocument,
  smoke: boolean,
  ui: Ui,
): Promise<PipelineResult> {
  const { installAndSmoke } = await import('../pipeline/install-and-smoke.js');
  const runtime = runtimeOf(options.framework);
  if (!doc.existing) return installAndSmoke(root, options, runtime, { smoke }, ui);
  const { existingSmokeSettings } = await import('../runtimes/python/existing/smoke-target.js');
  const settings = await existingSmokeSettings(root, doc.existing, options, ui);
  try {
    return await installAndSmoke(root, options, runtime, { smoke, ...settings.pipeline }, ui);
  } finally {
    await settings.cleanup();
  }
}
