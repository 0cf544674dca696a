/**
 * Looks at everything a planned tree would touch in an existing target, without opening anything but
 * regular files: symlinks are resolved (and must stay inside the target), special files are refused, and
 * a file where a folder goes (or the reverse) is found before the first write.
 */
import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { PlannedFile } from './plan.js';
import { readFileBytesSync } from '../core/read-file.js';

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

export interface Survey {
  /** The target's real path when it exists (symlinks resolved), else the resolved path given. */
  root: string;
  exists: boolean;
  result: WriteResult;
}

const code = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

function lstatIfAny(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined;
    throw new TargetError(`cannot read ${file}: ${code(error)}`);
  }
}

function specialKind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'a special file';
}

const isInside = (root: string, real: string) =>
  real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

const REMOVE_IT = 'remove it or choose another directory';

/** Follows a symlink met inside the target; it may only lead to something that exists inside it. */
function followInside(root: string, target: string, link: string): { real: string; st: Stats } {
  const to = readlinkSync(link);
  let real: string;
  try {
    real = realpathSync(link);
  } catch {
    throw new TargetError(`${link} is a symbolic link to ${to}, which does not exist; ${REMOVE_IT}`);
  }
  if (!isInside(root, real)) {
    throw new TargetError(`${link} is a symbolic link to ${to}, which leads out of ${target}; ${REMOVE_IT}`);
  }
  return { real, st: statSync(real) };
}

/** The target itself: absent, or a directory (a symlink to one counts). */
function surveyRoot(target: string): { root: string; entries: string[] } | undefined {
  const st = lstatIfAny(target);
  if (!st) return undefined;
  let root: string;
  try {
    root = realpathSync(target);
  } catch (error) {
    if (st.isSymbolicLink()) {
      const to = readlinkSync(target);
      throw new TargetError(`${target} is a symbolic link to ${to}, which does not exist; ${REMOVE_IT}`);
    }
    throw new TargetError(`cannot read ${target}: ${code(error)}`);
  }
  if (!statSync(root).isDirectory()) throw new TargetError(`${target} exists and is not a directory`);
  try {
    return { root, entries: readdirSync(root) };
  } catch (error) {
    throw new TargetError(`cannot read ${target}: ${code(error)}`);
  }
}

/** What one planned file meets in the existing tree: nothing yet, or a regular file with some content. */
function surveyFile(root: string, target: string, file: PlannedFile): 'created' | 'unchanged' | 'overwritten' {
  const parts = file.path.split('/');
  let dir = root;
  for (let i = 0; i < parts.length; i++) {
    const shown = path.join(target, ...parts.slice(0, i + 1));
    const isLast = i === parts.length - 1;
    let here = path.join(dir, parts[i]!);
    let st = lstatIfAny(here);
    if (!st) return 'created';
    if (st.isSymbolicLink()) ({ real: here, st } = followInside(root, target, shown));
    if (!isLast) {
      if (st.isDirectory()) {
        dir = here;
        continue;
      }
      const what = st.isFile() ? 'a file' : specialKind(st);
      const folder = parts.slice(0, i + 1).join('/');
      throw new TargetError(`${shown} is ${what} where the folder ${folder}/ would go; move it away first`);
    }
    if (st.isDirectory()) throw new TargetError(`${shown} is a directory where the file ${file.path} would go`);
    if (!st.isFile()) throw new TargetError(`${shown} is ${specialKind(st)}, which is never opened; ${REMOVE_IT}`);
    return readFileBytesSync(here).toString('utf8') === file.content ? 'unchanged' : 'overwritten';
  }
  return 'created';
}

/**
 * Refuses what would lose a user's work or write outside the target; returns what each file would do.
 * `ignore` names an entry of the target that does not count (the write lock).
 */
export function surveyTarget(target: string, files: PlannedFile[], force: boolean, ignore?: string): Survey {
  const found = surveyRoot(target);
  const result: WriteResult = { created: [], overwritten: [], unchanged: [] };
  if (!found) {
    result.created = files.map((f) => f.path);
    return { root: target, exists: false, result };
  }
  if (found.entries.some((e) => e !== ignore) && !force) {
    throw new TargetError(
      `${target} is not empty; choose another directory or pass --force to write into it (nothing is deleted)`,
    );
  }
  for (const file of files) result[surveyFile(found.root, target, file)].push(file.path);
  return { root: found.root, exists: true, result };
}
