/**
 * Writes a change set: every precondition is checked before the first write (read-only files, missing
 * directories), each file is written atomically, and a failure part-way restores what was written.
 */
import { constants } from 'node:fs';
import { access, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../write.js';
import type { FileChange } from './patch.js';

/** Throws a UsageError naming the first file that cannot be written. */
export async function checkWritable(root: string, changes: FileChange[]): Promise<void> {
  for (const change of changes) {
    const file = path.join(root, change.path);
    if (change.before !== null) {
      const s = await stat(file);
      // Atomic writes replace the file by renaming, which a read-only mode would not stop (and root
      // ignores modes): honour the mode as the user's statement that the file must not change.
      if ((s.mode & 0o222) === 0) throw new UsageError(`${change.path} is read-only; make it writable (chmod u+w ${change.path}) and run again — nothing was changed`);
    }
    let dir = path.dirname(file);
    while (!(await exists(dir))) dir = path.dirname(dir);
    try {
      await access(dir, constants.W_OK);
    } catch {
      throw new UsageError(`cannot write in ${path.relative(root, dir) || '.'}: permission denied — nothing was changed`);
    }
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

export async function applyChanges(root: string, changes: FileChange[]): Promise<void> {
  const done: FileChange[] = [];
  try {
    for (const change of changes) {
      const file = path.join(root, change.path);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, change.after);
      done.push(change);
    }
  } catch (error) {
    for (const change of done.reverse()) {
      const file = path.join(root, change.path);
      try {
        if (change.before === null) await rm(file, { force: true });
        else await writeFileAtomic(file, change.before);
      } catch {
        // best effort
      }
    }
    throw error;
  }
}
