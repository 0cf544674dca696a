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

/**
 * Shows the change and writes it once agreed; returns the paths written (none on a dry run). `traced` names
 * what is traced already when there is nothing to change ("the app", "the service").
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
  // Refuse before showing a diff that could not be written anyway.
  if (!flags.dryRun && !flags.force) await refuseUncommitted(root, await pathsWritten(root, changes));
  const review = renderReview(changes, { color, showNew: Boolean(flags.showNew) });
  ui.block(`\n${pc.bold(`${flags.dryRun ? 'Would change' : 'Changes'}: ${files(changes.length)}`)}\n${review}`);
  if (flags.dryRun) {
    ui.info('--dry-run: nothing was written');
    return [];
  }
  await checkWritable(root, changes);
  if (!flags.yes) {
    if (!ui.interactive)
      throw new UsageError(
        'add-tracing changes your files: pass --yes to write them (or --dry-run to only see the diff) — nothing was changed',
      );
    const ok = await clack.confirm({ message: `Write these changes to ${files(changes.length)}?`, initialValue: true });
    if (clack.isCancel(ok) || !ok) throw new CancelledError();
  }
  await ui.step(`Writing ${files(changes.length)}`, () => applyChanges(root, changes));
  for (const c of changes) for (const s of c.summary) ui.success(`${c.path}: ${s}`);
  return changes.map((c) => c.path);
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
