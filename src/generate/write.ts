/**
 * Writes a planned tree to disk all-or-nothing. Every file is first written into a staging folder on the
 * same filesystem; only then is anything moved into place.
 *
 * - A new target appears in one rename. Creating it is exclusive: the empty folder made just before the
 *   rename claims the name, so a second run into the same new directory fails instead of merging.
 * - An existing target (empty, or with --force) is claimed by a lock folder inside it, which also holds
 *   the staged files and the originals that get replaced. Every planned path is checked (under the lock)
 *   before the first move; if any move fails, the originals go back, so the target is exactly as before.
 *
 * The moves run synchronously: a signal handler (Ctrl-C) can only run before they start or after they
 * all finished or were rolled back, never in between.
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
import { readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { onInterruptCleanup } from '../core/interrupt.js';
import type { PlannedFile } from './plan.js';
import { surveyTarget, TargetError, type WriteResult } from './target-survey.js';

export { TargetError, type WriteResult } from './target-survey.js';

/** Inside an existing target while a run writes into it: staged files (new/) and replaced originals (old/). */
export const WRITE_LOCK = '.create-traced-service.writing';

export interface TargetState {
  exists: boolean;
  empty: boolean;
}

const code = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

export async function inspectTarget(target: string): Promise<TargetState> {
  const survey = surveyTarget(path.resolve(target), [], true);
  if (!survey.exists) return { exists: false, empty: true };
  return { exists: true, empty: (await readdir(survey.root)).length === 0 };
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

/** A failed replacement whose originals could not all be put back: they stay in the backup folder. */
class RestoreError extends Error {
  override name = 'RestoreError';
}

/** The file operations a replacement uses (replaceable in tests to make one of them fail). */
export interface MoveOps {
  rename(from: string, to: string): void;
  mkdir(dir: string): void;
}
const realOps: MoveOps = { rename: renameSync, mkdir: (dir) => mkdirSync(dir) };

const exists = (file: string) => {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
};

/**
 * Moves `staged/<path>` to `root/<path>` for every path, keeping what was there in `backup/<path>`.
 * On any failure, every step done so far is undone in reverse order and the error is rethrown.
 */
export function replaceAll(
  root: string,
  staged: string,
  backup: string,
  paths: string[],
  ops: MoveOps = realOps,
): void {
  const undo: (() => void)[] = [];
  if (!existsSync(backup)) mkdirSync(backup);
  const ensureDir = (base: string, rel: string, record: boolean) => {
    let dir = base;
    for (const part of rel.split('/').slice(0, -1)) {
      dir = path.join(dir, part);
      if (existsSync(dir)) continue;
      ops.mkdir(dir);
      const made = dir;
      if (record) undo.push(() => rmdirSync(made));
    }
  };
  try {
    for (const rel of paths) {
      const dest = path.join(root, rel);
      ensureDir(root, rel, true);
      if (exists(dest)) {
        ensureDir(backup, rel, false);
        const kept = path.join(backup, rel);
        ops.rename(dest, kept);
        undo.push(() => renameSync(kept, dest));
      }
      const from = path.join(staged, rel);
      ops.rename(from, dest);
      undo.push(() => renameSync(dest, from));
    }
  } catch (error) {
    const failures: string[] = [];
    for (const step of undo.reverse()) {
      try {
        step();
      } catch (undoError) {
        failures.push(code(undoError));
      }
    }
    if (failures.length > 0) {
      throw new RestoreError(
        `${code(error)} while writing, and the originals could not all be put back (${failures.join(', ')}); ` +
          `they are in ${backup}`,
      );
    }
    throw error;
  }
}

function lockedWrite(target: string, root: string, files: PlannedFile[], force: boolean): WriteResult {
  const lock = path.join(root, WRITE_LOCK);
  try {
    mkdirSync(lock);
  } catch (error) {
    if (code(error) === 'EEXIST') {
      throw new TargetError(
        `another create-traced-service run is writing into ${target}; if none is, a stopped run left ${lock}: ` +
          'put back any files from its old/ folder, then remove it',
      );
    }
    throw new TargetError(`cannot write in ${target}: ${code(error)}`);
  }
  let keepLock = false;
  try {
    // Checked again under the lock: what another process did since the first look counts.
    const { result } = surveyTarget(target, files, force, WRITE_LOCK);
    const toWrite = files.filter((f) => !result.unchanged.includes(f.path));
    const staged = path.join(lock, 'new');
    try {
      stage(staged, toWrite);
    } catch (error) {
      throw new TargetError(`cannot write in ${target}: ${code(error)}`);
    }
    try {
      replaceAll(
        root,
        staged,
        path.join(lock, 'old'),
        toWrite.map((f) => f.path),
      );
    } catch (error) {
      keepLock = error instanceof RestoreError;
      throw error;
    }
    return result;
  } finally {
    if (!keepLock) rmSync(lock, { recursive: true, force: true });
  }
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
    } catch {
      try {
        rmdirSync(target);
      } catch {
        // not empty: it is someone else's now
      }
      throw taken();
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export async function writeTree(
  target: string,
  files: PlannedFile[],
  options: { force?: boolean } = {},
): Promise<WriteResult> {
  const resolved = path.resolve(target);
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
    mode = (await stat(file)).mode & 0o777;
  } catch {
    // new file
  }
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${randomBytes(4).toString('hex')}`);
  const unregister = onInterruptCleanup(() => rmSync(temp, { force: true }));
  try {
    await writeFile(temp, content, { mode });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    unregister();
  }
}
