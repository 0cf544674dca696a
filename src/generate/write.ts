/**
 * Writes a planned tree to disk all-or-nothing. Every file is first written into a staging folder on the
 * same filesystem; only then is anything moved into place.
 *
 * - A new target appears in one rename. Creating it is exclusive: the empty folder made just before the
 *   rename claims the name, so a second run into the same new directory fails instead of merging.
 * - An existing target (empty, or with --force) is written by core/transaction.ts: a lock folder inside
 *   it holds the staged files, a journal and the originals that get replaced. Every planned path is
 *   checked (under the lock) before the first move; if any move fails, the originals go back; a run
 *   killed part-way is finished by the next one, so the target is exactly as before or as planned.
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { fsp } from '../core/fs-promises.js';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { onInterruptCleanup } from '../core/interrupt.js';
import { recoverWrite, RestoreError, WRITE_LOCK, writeFiles } from '../core/transaction.js';
import type { PlannedFile } from './plan.js';
import { surveyTarget, TargetError, type WriteResult } from './target-survey.js';

export { TargetError, type WriteResult } from './target-survey.js';

export { replaceAll, WRITE_LOCK, type MoveOps } from '../core/transaction.js';

export interface TargetState {
  exists: boolean;
  empty: boolean;
}

const code = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

export async function inspectTarget(target: string): Promise<TargetState> {
  const survey = surveyTarget(path.resolve(target), [], true);
  if (!survey.exists) return { exists: false, empty: true };
  return { exists: true, empty: (await fsp().readdir(survey.root)).length === 0 };
}

/** Refuses what would lose a user's work or write outside the target; returns what each file would do. */
export async function checkTarget(target: string, files: PlannedFile[], force: boolean): Promise<WriteResult> {
  return surveyTarget(path.resolve(target), files, force).result;
}

function stage(dir: string, files: PlannedFile[]): void {
  // Not recursive: the parent exists, and a recursive mkdir can spin forever where creation is
  // impossible (e.g. inside /proc) instead of failing.
  mkdirSync(dir);
  const made = new Set([dir]);
  for (const file of files) {
    const dest = path.join(dir, file.path);
    const parent = path.dirname(dest);
    // Each folder once: a scaffold's 20-odd files share a handful of them.
    if (!made.has(parent)) mkdirSync(parent, { recursive: true });
    made.add(parent);
    writeFileSync(dest, file.content, { mode: file.mode ?? 0o644, flag: 'wx' });
  }
}

function lockedWrite(target: string, root: string, files: PlannedFile[], force: boolean): WriteResult {
  let result: WriteResult | undefined;
  try {
    writeFiles(root, () => {
      // Checked again under the lock: what another process did since the first look counts.
      result = surveyTarget(target, files, force, WRITE_LOCK).result;
      const unchanged = new Set(result.unchanged);
      return files.filter((f) => !unchanged.has(f.path));
    });
  } catch (error) {
    if (error instanceof TargetError || error instanceof RestoreError || error instanceof UsageError) throw error;
    throw new TargetError(`cannot write in ${target}: ${code(error)}`);
  }
  return result!;
}

function createNew(target: string, files: PlannedFile[]): void {
  const parent = path.dirname(target);
  try {
    mkdirSync(parent, { recursive: true });
    accessSync(parent, constants.W_OK);
  } catch (error) {
    throw new TargetError(`cannot write in ${parent}: ${code(error)}`);
  }
  const staging = path.join(parent, `.${path.basename(target)}.tmp-${randomBytes(4).toString('hex')}`);
  let renamed = false;
  try {
    try {
      stage(staging, files);
    } catch (error) {
      throw new TargetError(`cannot write in ${parent}: ${code(error)}`);
    }
    const taken = () =>
      new TargetError(`${target} was created by another process while writing; nothing was written to it`);
    try {
      // The claim: fails if anything took the name since the check. The rename then replaces this empty
      // folder of ours, and fails if someone wrote into it meanwhile.
      mkdirSync(target);
    } catch (error) {
      if (code(error) === 'EEXIST') throw taken();
      throw new TargetError(`cannot write in ${parent}: ${code(error)}`);
    }
    try {
      renameSync(staging, target);
      renamed = true;
    } catch {
      try {
        rmdirSync(target);
      } catch {
        // not empty: it is someone else's now
      }
      throw taken();
    }
  } finally {
    // Once renamed into place, the staging folder is the target: nothing is left to remove.
    if (!renamed) rmSync(staging, { recursive: true, force: true });
  }
}

export async function writeTree(
  target: string,
  files: PlannedFile[],
  options: { force?: boolean } = {},
): Promise<WriteResult> {
  const resolved = path.resolve(target);
  // A write a killed run left here is finished (or discarded) before the target is looked at.
  if (existsSync(resolved)) recoverWrite(resolved);
  const survey = surveyTarget(resolved, files, options.force ?? false);
  if (!survey.exists) {
    createNew(resolved, files);
    return survey.result;
  }
  return lockedWrite(resolved, survey.root, files, options.force ?? false);
}

/** Writes one existing or new file atomically (temp file in the same folder, then rename), keeping its mode. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  let mode = 0o644;
  try {
    mode = (await fsp().stat(file)).mode & 0o777;
  } catch {
    // new file
  }
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${randomBytes(4).toString('hex')}`);
  const unregister = onInterruptCleanup(() => rmSync(temp, { force: true }));
  try {
    await fsp().writeFile(temp, content, { mode });
    await fsp().rename(temp, file);
  } catch (error) {
    await fsp().rm(temp, { force: true });
    throw error;
  } finally {
    unregister();
  }
}
