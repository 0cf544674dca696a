/**
 * Writes a planned tree to disk atomically: every file is first written into a temporary directory beside
 * the target (same filesystem, so the final step is a rename), and only when all of them are written is
 * anything moved into place. Nothing that exists is ever deleted.
 */
import { randomBytes } from 'node:crypto';
import { constants, existsSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { onInterruptCleanup } from './interrupt.js';
import type { PlannedFile } from './plan.js';

export class TargetError extends Error {
  override name = 'TargetError';
}

export interface WriteResult {
  created: string[];
  /** Files that existed with other content and were replaced (only with force). */
  overwritten: string[];
  /** Files that existed with exactly the planned content. */
  unchanged: string[];
}

export interface TargetState {
  exists: boolean;
  empty: boolean;
}

export async function inspectTarget(target: string): Promise<TargetState> {
  let stat;
  try {
    stat = await fs.stat(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, empty: true };
    throw new TargetError(`cannot read ${target}: ${(error as Error).message}`);
  }
  if (!stat.isDirectory()) throw new TargetError(`${target} exists and is not a directory`);
  const entries = await fs.readdir(target);
  return { exists: true, empty: entries.length === 0 };
}

/** Refuses what would lose a user's work; returns what each file would do. */
export async function checkTarget(target: string, files: PlannedFile[], force: boolean): Promise<WriteResult> {
  const state = await inspectTarget(target);
  const result: WriteResult = { created: [], overwritten: [], unchanged: [] };
  if (state.exists && !state.empty && !force) {
    throw new TargetError(`${target} is not empty; choose another directory or pass --force to write into it (nothing is deleted)`);
  }
  for (const file of files) {
    const dest = path.join(target, file.path);
    if (!state.exists || !existsSync(dest)) {
      result.created.push(file.path);
      continue;
    }
    const stat = await fs.stat(dest);
    if (stat.isDirectory()) throw new TargetError(`${dest} is a directory where the file ${file.path} would go`);
    const current = await fs.readFile(dest, 'utf8');
    (current === file.content ? result.unchanged : result.overwritten).push(file.path);
  }
  return result;
}

async function stage(dir: string, files: PlannedFile[]): Promise<void> {
  // Not recursive: the parent exists, and a recursive mkdir can spin forever where creation is
  // impossible (e.g. inside /proc) instead of failing.
  await fs.mkdir(dir);
  for (const file of files) {
    const dest = path.join(dir, file.path);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.writeFile(dest, file.content, { mode: file.mode ?? 0o644 });
  }
}

export async function writeTree(target: string, files: PlannedFile[], options: { force?: boolean } = {}): Promise<WriteResult> {
  const result = await checkTarget(target, files, options.force ?? false);
  const parent = path.dirname(path.resolve(target));
  try {
    await fs.mkdir(parent, { recursive: true });
    await fs.access(parent, constants.W_OK);
  } catch (error) {
    throw new TargetError(`cannot write in ${parent}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const staging = path.join(parent, `.${path.basename(target)}.tmp-${randomBytes(4).toString('hex')}`);
  const removeStaging = () => rmSync(staging, { recursive: true, force: true });
  const unregister = onInterruptCleanup(removeStaging);
  try {
    try {
      await stage(staging, files);
    } catch (error) {
      throw new TargetError(`cannot write in ${parent}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const state = await inspectTarget(target);
    if (!state.exists) {
      // The common case: one rename makes the whole tree appear at once.
      await fs.rename(staging, target);
    } else {
      const toMove = files.filter((f) => !result.unchanged.includes(f.path));
      for (const file of toMove) {
        const dest = path.join(target, file.path);
        await fs.mkdir(path.dirname(dest), { recursive: true });
        await fs.rename(path.join(staging, file.path), dest);
      }
      removeStaging();
    }
  } catch (error) {
    removeStaging();
    throw error;
  } finally {
    unregister();
  }
  return result;
}

/** Writes one existing or new file atomically (temp file in the same folder, then rename), keeping its mode. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  let mode = 0o644;
  try {
    mode = (await fs.stat(file)).mode & 0o777;
  } catch {
    // new file
  }
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${randomBytes(4).toString('hex')}`);
  const unregister = onInterruptCleanup(() => rmSync(temp, { force: true }));
  try {
    await fs.writeFile(temp, content, { mode });
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  } finally {
    unregister();
  }
}
