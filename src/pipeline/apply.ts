/**
 * Writes a change set: every precondition is checked before the first write (read-only files, missing
 * directories, symlinks, special files, content changed since the analysis), then all files are written
 * as one transaction after checking once more that nobody changed them meanwhile: all or none, even when
 * the process is killed part-way.
 */
import { constants, existsSync, statSync } from 'node:fs';
import { fsp } from '../core/fs-promises.js';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { recoverWrite, writeFiles } from '../core/transaction.js';
import type { Ui } from '../core/ui.js';
import type { FileChange } from './changes.js';
import { readTextSync, UnreadableFileError } from '../core/read-file.js';

const NOTHING = '— nothing was changed';

function within(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp().lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * The real path a change is written to. A symlinked file is edited at its target (a rename would replace
 * the link by a regular file and leave the target as it was); a target outside the project is refused,
 * and so is a path whose folders lead outside it.
 */
export async function resolveDestination(root: string, change: FileChange): Promise<string> {
  const realRoot = await fsp().realpath(root);
  const file = path.join(root, change.path);
  let dir = path.dirname(file);
  while (!(await exists(dir))) dir = path.dirname(dir);
  const realDir = await fsp().realpath(dir);
  if (realDir !== realRoot && !within(realRoot, realDir)) {
    throw new UsageError(
      `${path.relative(root, dir)} leads outside the project (to ${realDir}); add-tracing edits files inside it only ${NOTHING}`,
    );
  }
  if (change.before === null) {
    if (await exists(file))
      throw new UsageError(`${change.path} appeared after the analysis; run add-tracing again ${NOTHING}`);
    return path.join(realDir, path.relative(dir, file));
  }
  const link = await fsp().lstat(file);
  if (link.isSymbolicLink()) {
    let target: string;
    try {
      target = await fsp().realpath(file);
    } catch {
      throw new UsageError(`${change.path} is a symlink to a missing file; fix or remove the link ${NOTHING}`);
    }
    if (!within(realRoot, target)) {
      throw new UsageError(
        `${change.path} is a symlink to ${target}, outside the project; edit that file by hand or replace the link with a copy ${NOTHING}`,
      );
    }
    return target;
  }
  return file;
}

/** Throws a UsageError naming the first file that cannot be written. */
export async function checkWritable(root: string, changes: FileChange[]): Promise<void> {
  for (const change of changes) {
    const file = await resolveDestination(root, change);
    if (change.before !== null) {
      const s = await fsp().stat(file);
      if (!s.isFile())
        throw new UsageError(`${change.path} is not a regular file; add-tracing edits regular files only ${NOTHING}`);
      // Atomic writes replace the file by renaming, which a read-only mode would not stop (and root
      // ignores modes): honour the mode as the user's statement that the file must not change.
      if ((s.mode & 0o222) === 0)
        throw new UsageError(
          `${change.path} is read-only; make it writable (chmod u+w ${change.path}) and run again ${NOTHING}`,
        );
      assertUnchanged(file, change);
    }
    let dir = path.dirname(file);
    while (!(await exists(dir))) dir = path.dirname(dir);
    try {
      await fsp().access(dir, constants.W_OK);
    } catch {
      throw new UsageError(`cannot write in ${path.relative(root, dir) || '.'}: permission denied ${NOTHING}`);
    }
  }
}

/** The file still holds what the analysis read; otherwise someone changed it since, and their change wins. */
function assertUnchanged(file: string, change: FileChange): void {
  if (change.before === null) {
    if (existsSync(file)) throw new UsageError(`${change.path} appeared after the analysis; run add-tracing again`);
    return;
  }
  let current: string;
  try {
    current = readTextSync(file);
  } catch (error) {
    if (error instanceof UnreadableFileError) throw error;
    throw new UsageError(`${change.path} disappeared after the analysis; run add-tracing again`);
  }
  if (current !== change.before)
    throw new UsageError(`${change.path} changed after the analysis; run add-tracing again to plan on the new content`);
}

const modeOf = (file: string) => {
  try {
    return statSync(file).mode & 0o777;
  } catch {
    return 0o644;
  }
};

/**
 * Writes every change or none (core/transaction.ts): a signal or a kill at any moment leaves the project as
 * before, as after, or with a pending write the next run finishes first (finishInterruptedWrite).
 */
export async function applyChanges(root: string, changes: FileChange[]): Promise<void> {
  const realRoot = await fsp().realpath(root);
  const targets: { change: FileChange; file: string }[] = [];
  for (const change of changes) targets.push({ change, file: await resolveDestination(root, change) });
  try {
    writeFiles(realRoot, () =>
      targets.map(({ change, file }) => {
        // Checked again under the lock, right before the moves: a concurrent edit is refused, not overwritten.
        assertUnchanged(file, change);
        const rel = path.relative(realRoot, file).split(path.sep).join('/');
        return { path: rel, content: change.after, mode: modeOf(file) };
      }),
    );
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${error.message} ${NOTHING}`);
    throw error;
  }
}

/**
 * Finishes (or discards) a write that a killed run left in the project, before anything reads it: a
 * half-moved change would otherwise be planned on as if it were the user's.
 */
export function finishInterruptedWrite(root: string, ui: Ui): void {
  const outcome = recoverWrite(root);
  if (outcome === 'finished')
    ui.warn('an interrupted write was found and finished first (all of its files are now in place)');
  if (outcome === 'discarded')
    ui.info('an interrupted write had not started moving files; its staged copies were removed');
}

/** Every path a change set writes, relative to the root: a symlinked file counts as itself and its target. */
export async function pathsWritten(root: string, changes: FileChange[]): Promise<string[]> {
  const realRoot = await fsp().realpath(root);
  const out = new Set<string>();
  for (const change of changes) {
    out.add(change.path);
    try {
      const target = path.relative(realRoot, await resolveDestination(root, change));
      if (!target.startsWith('..')) out.add(target.split(path.sep).join('/'));
    } catch {
      // refused later, with its own message
    }
  }
  return [...out];
}
