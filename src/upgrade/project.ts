/**
 * A whole project's upgrade, decided before anything is shown or written: the answers file's migrations, one
 * FilePlan per file the tool owns (from what the runtime renders for the new line), and the answers after.
 */
import path from 'node:path';
import { cliVersion, templatesFingerprint } from '../core/paths.js';
import type { ServiceOptions } from '../options/schema.js';
import { serializeAnswers, type AnswersDocument } from '../answers/document.js';
import { runMigrations, type MigrationContext } from '../answers/migrations.js';
import { contentHash, readBase, recordFiles } from '../answers/record.js';
import type { VersionMove } from './format.js';
import { conflictMarkerLines } from './merge.js';
import { planFiles, type FileInput, type FilePlan } from './plan.js';
import { readTextIfExistsSync } from '../core/read-file.js';

/** What the answers file knows of the files the tool wrote, for the runtime to pair with its new render. */
export interface OwnedRecord {
  /** The user's file now; null when absent. */
  ours: (relPath: string) => string | null;
  base: Map<string, string>;
  hashes: Record<string, string>;
  /** An answers file without a record: every rendered file counts as written by the tool. */
  recordedAll: boolean;
}

/** Where a runtime moves a project: the new options and sets, and the files it renders then and now. */
export interface UpgradeTarget {
  options: ServiceOptions;
  versions: VersionMove;
  /** The files this CLI renders from the recorded options (to rebuild a base the answers file lacks). */
  renderRecorded(): { path: string; content: string }[] | undefined;
  /** One FileInput per file the tool owns, with the new render as "theirs". */
  inputs(record: OwnedRecord): FileInput[];
}

export interface ProjectUpgrade {
  migrated: ReturnType<typeof runMigrations>;
  plans: FilePlan[];
  /** The answers file's text after the upgrade; undefined when it stays as it is. */
  answersAfter?: string;
  /** Files still holding conflict markers that this run would not touch. */
  leftover: string[];
}

function readOurs(root: string): (rel: string) => string | null {
  return (rel) => {
    const file = path.join(root, rel);
    // Regular files inside the project only: a FIFO or a link leading out is refused, never followed.
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
  return serializeAnswers({
    ...doc,
    cliVersion: cliVersion(),
    templates: templatesFingerprint(),
    options,
    ...recordFiles(withBase, hashOnly),
  });
}

/** `history`: the base found in the project's git history, for an answers file that recorded none. */
export function planProjectUpgrade(
  root: string,
  answers: { text: string; doc: AnswersDocument },
  target: UpgradeTarget,
  history?: MigrationContext['history'],
): ProjectUpgrade {
  const { doc } = answers;
  const migrated = runMigrations(doc, {
    cliVersion: cliVersion(),
    templates: templatesFingerprint(),
    renderRecorded: () => target.renderRecorded(),
    ...(history ? { history } : {}),
  });
  const inputs = target.inputs({
    ours: readOurs(root),
    base: readBase(migrated.doc),
    hashes: migrated.doc.files ?? {},
    recordedAll: migrated.doc.files === undefined,
  });
  const { fromLine, toLine } = target.versions;
  const plans = planFiles(inputs, {
    ours: 'yours',
    base: `create-traced-service ${doc.cliVersion}, OpenTelemetry ${fromLine}`,
    theirs: `create-traced-service ${cliVersion()}, OpenTelemetry ${toLine}`,
  });
  const leftover = plans
    .filter((p) => p.after === null && p.before !== null && conflictMarkerLines(p.before).length > 0)
    .map((p) => p.path);
  if (!plans.some((p) => p.after !== null) && migrated.applied.length === 0) return { migrated, plans, leftover };
  const kept = new Map(inputs.filter((i) => i.recorded && !i.noRecord).map((i) => [i.path, contentHash(i.theirs)]));
  const after = upgradedAnswers(migrated.doc, target.options, plans, kept);
  return { migrated, plans, leftover, ...(after !== answers.text ? { answersAfter: after } : {}) };
}
