/**
 * The writing step of every command that edits a repository: the review (edits first, as a diff), consent,
 * git safety, the atomic write; and the next steps once the result is proven.
 */
import path from 'node:path';
import * as clack from '@clack/prompts';
import pc from 'picocolors';
import { CancelledError, UsageError } from '../core/errors.js';
import type { ServiceOptions } from '../options/schema.js';
import type { Ui } from '../core/ui.js';
import { applyChanges, checkWritable, pathsWritten } from './apply.js';
import { refuseUncommitted } from './git-safety.js';
import { renderReview } from './review.js';
import { changeSummaries } from './changes.js';
import type { Finding } from './findings.js';
import type { FileChange } from './changes.js';

export interface WriteFlags {
  dryRun?: boolean;
  force?: boolean;
  yes?: boolean;
  showNew?: boolean;
}

const files = (n: number) => `${n} file${n === 1 ? '' : 's'}`;

/** What add-tracing's --json result holds for Python and Node services alike. */
export interface TracingResultBase {
  ok: boolean;
  directory: string;
  dryRun: boolean;
  /** Whether files were (or, with --dry-run, would be) changed. */
  changed: boolean;
  options?: ServiceOptions;
  /** The diagnosis before the change. */
  findings: Finding[];
  changes: ReturnType<typeof changeSummaries>;
  /** The change as a plain unified diff. */
  diff: string;
  written: string[];
  notes: string[];
}

/** How a command names itself when it asks for consent: `upgrade`, and what --dry-run shows instead ("the plan"). */
export interface ConsentWording {
  command: string;
  preview: string;
}

/**
 * The review: refuses uncommitted changes in what would be written (before showing a diff that could not be
 * written anyway), then shows `shown` of the changes (all by default; a command may keep a record file out).
 */
export async function showReview(
  root: string,
  changes: FileChange[],
  flags: WriteFlags,
  ui: Ui,
  color: boolean,
  shown: FileChange[] = changes,
): Promise<void> {
  if (!flags.dryRun && !flags.force) await refuseUncommitted(root, await pathsWritten(root, changes));
  if (shown.length === 0) return;
  const review = renderReview(shown, { color, showNew: Boolean(flags.showNew) });
  ui.block(`\n${pc.bold(`${flags.dryRun ? 'Would change' : 'Changes'}: ${files(shown.length)}`)}\n${review}`);
}

/** Consent (--yes, or yes at the prompt), then the atomic write, every precondition checked before it. */
export async function consentAndWrite(
  root: string,
  changes: FileChange[],
  flags: WriteFlags,
  ui: Ui,
  wording: ConsentWording,
): Promise<string[]> {
  await checkWritable(root, changes);
  if (!flags.yes) {
    if (!ui.interactive)
      throw new UsageError(
        `${wording.command} changes your files: pass --yes to write them (or --dry-run to only see ${wording.preview}) — nothing was changed`,
      );
    const ok = await clack.confirm({ message: `Write these changes to ${files(changes.length)}?`, initialValue: true });
    if (clack.isCancel(ok) || !ok) throw new CancelledError();
  }
  await ui.step(`Writing ${files(changes.length)}`, () => applyChanges(root, changes));
  return changes.map((c) => c.path);
}

/**
 * add-tracing's writing step: shows the change and writes it once agreed; returns the paths written (none on a
 * dry run). `traced` names what is traced already when there is nothing to change ("the app", "the service").
 */
export async function reviewAndWrite(
  root: string,
  changes: FileChange[],
  flags: WriteFlags,
  ui: Ui,
  color: boolean,
  traced = 'the app',
): Promise<string[]> {
  if (changes.length === 0) {
    ui.success(`Nothing to change: ${traced} is traced already (add-tracing changes nothing the second time)`);
    return [];
  }
  await showReview(root, changes, flags, ui, color);
  if (flags.dryRun) {
    ui.info('--dry-run: nothing was written');
    return [];
  }
  const written = await consentAndWrite(root, changes, flags, ui, { command: 'add-tracing', preview: 'the diff' });
  for (const c of changes) for (const s of c.summary) ui.success(`${c.path}: ${s}`);
  return written;
}

/** What to do after a traced project passed: review, diagnose again, then `last` (given the project's path). */
export function printNextSteps(root: string, ui: Ui, last: (rel: string) => string): void {
  const rel = path.relative(process.cwd(), root) || '.';
  ui.block(
    [
      '',
      pc.bold('Next steps'),
      `  git -C ${rel} diff                         # review what changed`,
      `  npx create-traced-service doctor ${rel}    # the diagnosis again (exit 1 on problems)`,
      `  ${last(rel)}`,
    ].join('\n'),
  );
}
