/**
 * All-or-nothing writes of several files below one folder, whatever ends the process and whenever.
 *
 * A run claims the folder with a lock folder (WRITE_LOCK) that names its process, stages every new file
 * in it (new/), then writes a journal listing the files, and only then moves them into place, keeping
 * each original in old/. The moves are synchronous: a signal handler (Ctrl-C, SIGTERM) can only run before
 * they start or after they all finished. A process killed outright (SIGKILL, a crash) leaves the lock
 * folder behind, and the next run finishes or discards that write before doing anything else: with a
 * journal, every file still in new/ is moved into place (the write was complete and agreed to); without
 * one, nothing had moved yet and the staged files are removed.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from './errors.js';

/** The lock folder a write keeps inside the folder it writes into: staged files, originals, journal. */
export const WRITE_LOCK = '.create-traced-service.writing';
const JOURNAL = 'journal.json';
const OWNER = 'owner.json';

export interface StagedFile {
  /** POSIX path relative to the root. */
  path: string;
  content: string;
  mode?: number;
}

interface Journal {
  version: 1;
  /** Every file in the order it is moved, with what was there before (see fingerprint). */
  files: { path: string; before: string | null }[];
}

const code = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/** What is at `file`, to notice a change made after the write was planned: null when nothing is. */
function fingerprint(file: string): string | null {
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return null;
  }
  if (st.isSymbolicLink()) return `link:${readlinkSync(file)}`;
  if (!st.isFile()) return 'other';
  return `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
}

/** Writes a file and flushes it to disk, so that the journal never names a file the disk lost. */
function writeDurably(file: string, content: string, mode = 0o644): void {
  const fd = openSync(file, 'wx', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A failed replacement whose originals could not all be put back: they stay in the lock's old/ folder. */
export class RestoreError extends Error {
  override name = 'RestoreError';
}

/** The file operations a replacement uses (replaceable in tests to make one of them fail). */
export interface MoveOps {
  rename(from: string, to: string): void;
  mkdir(dir: string): void;
}
const realOps: MoveOps = { rename: renameSync, mkdir: (dir) => mkdirSync(dir) };

const exists = (file: string) => fingerprint(file) !== null;

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

interface Owner {
  pid: number;
  host: string;
}

function ownerOf(dir: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, OWNER), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

/** Whether the run that made `dir` may still be running (another host's run is assumed to be). */
function ownerAlive(owner: Owner | undefined): boolean {
  if (!owner) return false;
  if (owner.host !== os.hostname()) return true;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return code(error) === 'EPERM';
  }
}

function busy(root: string, owner: Owner): UsageError {
  return new UsageError(
    `another create-traced-service run (process ${owner.pid} on ${owner.host}) is writing into ${root}; ` +
      `wait for it to finish (if it is not running, remove ${path.join(root, WRITE_LOCK)})`,
  );
}

/** Claims the root: the lock folder appears in one rename, already naming its owner. */
function claim(root: string): string {
  const lock = path.join(root, WRITE_LOCK);
  const pending = `${lock}.${randomBytes(4).toString('hex')}`;
  mkdirSync(pending);
  try {
    writeDurably(path.join(pending, OWNER), JSON.stringify({ pid: process.pid, host: os.hostname() }));
    renameSync(pending, lock);
  } catch (error) {
    rmSync(pending, { recursive: true, force: true });
    if (code(error) === 'ENOTEMPTY' || code(error) === 'EEXIST') {
      const owner = ownerOf(lock);
      if (owner && ownerAlive(owner)) throw busy(root, owner);
    }
    throw error;
  }
  return lock;
}

/** Removes a finished write's lock folder; the journal goes last, so a kill meanwhile leaves it finishable. */
function release(lock: string): void {
  rmSync(path.join(lock, 'new'), { recursive: true, force: true });
  rmSync(path.join(lock, 'old'), { recursive: true, force: true });
  rmSync(path.join(lock, `${JOURNAL}.tmp`), { force: true });
  rmSync(path.join(lock, JOURNAL), { force: true });
  rmSync(lock, { recursive: true, force: true });
}

/** Moves what is left in new/ into place, in the journal's order. */
function rollForward(root: string, lock: string, journal: Journal): void {
  for (const file of journal.files) {
    const staged = path.join(lock, 'new', file.path);
    if (!exists(staged)) continue;
    const dest = path.join(root, file.path);
    const kept = path.join(lock, 'old', file.path);
    if (exists(dest) && !exists(kept)) {
      if (fingerprint(dest) !== file.before) {
        throw new UsageError(
          `an interrupted write into ${root} cannot be finished: ${file.path} changed since; its new content is ` +
            `in ${staged} (remove ${lock} once you have what you need)`,
        );
      }
      mkdirSync(path.dirname(kept), { recursive: true });
      renameSync(dest, kept);
    } else if (exists(dest)) {
      throw new UsageError(
        `an interrupted write into ${root} cannot be finished: ${file.path} was created since; the original is ` +
          `in ${kept}, the new content in ${staged}`,
      );
    }
    mkdirSync(path.dirname(dest), { recursive: true });
    renameSync(staged, dest);
  }
}

function hasFiles(dir: string): boolean {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).some(
      (entry) => !lstatSync(path.join(dir, entry)).isDirectory(),
    );
  } catch {
    return false;
  }
}

/**
 * Claim folders of runs killed before their lock appeared (they hold nothing else). One without an owner
 * file may be a live run's in the microseconds before it writes one: removing it only makes that run fail
 * to claim, before it staged anything.
 */
function removeStaleClaims(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`${WRITE_LOCK}.`)) continue;
    const dir = path.join(root, name);
    if (!ownerAlive(ownerOf(dir))) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Finishes or discards the write a killed run left in `root`; says which. Call it before reading the
 * project: a half-moved write would otherwise be planned on. Throws a UsageError when another run is
 * writing, or when the leftover cannot be finished safely (the message says where the files are).
 */
export function recoverWrite(root: string): 'none' | 'finished' | 'discarded' {
  removeStaleClaims(root);
  const lock = path.join(root, WRITE_LOCK);
  if (!existsSync(lock)) return 'none';
  const owner = ownerOf(lock);
  if (owner && ownerAlive(owner)) throw busy(root, owner);
  let journal: Journal | undefined;
  try {
    journal = JSON.parse(readFileSync(path.join(lock, JOURNAL), 'utf8')) as Journal;
  } catch {
    journal = undefined;
  }
  if (journal) {
    rollForward(root, lock, journal);
    release(lock);
    return 'finished';
  }
  if (hasFiles(path.join(lock, 'old'))) {
    throw new UsageError(
      `a failed write into ${root} left original files in ${path.join(lock, 'old')}: put them back, then remove ${lock}`,
    );
  }
  release(lock);
  return 'discarded';
}

/**
 * Writes the files `plan` returns into `root`, all or none. `plan` runs under the lock, so what it checks
 * (nobody changed a file since the analysis, nothing is in the way) holds until the moves. Synchronous
 * from the claim to the release: no signal handler runs in between.
 */
export function writeFiles(root: string, plan: () => StagedFile[], ops: MoveOps = realOps): void {
  let lock: string;
  try {
    lock = claim(root);
  } catch (error) {
    if (error instanceof UsageError || !['ENOTEMPTY', 'EEXIST'].includes(code(error))) throw error;
    // A killed run's leftover: finish or discard it, then claim again.
    recoverWrite(root);
    lock = claim(root);
  }
  let keep = false;
  try {
    const files = plan();
    const staged = path.join(lock, 'new');
    mkdirSync(staged);
    for (const file of files) {
      const dest = path.join(staged, file.path);
      mkdirSync(path.dirname(dest), { recursive: true });
      writeDurably(dest, file.content, file.mode);
    }
    const journal: Journal = {
      version: 1,
      files: files.map((f) => ({ path: f.path, before: fingerprint(path.join(root, f.path)) })),
    };
    const journalTemp = path.join(lock, `${JOURNAL}.tmp`);
    writeDurably(journalTemp, JSON.stringify(journal));
    // From here on the write is decided: a kill is finished by the next run.
    renameSync(journalTemp, path.join(lock, JOURNAL));
    try {
      replaceAll(
        root,
        staged,
        path.join(lock, 'old'),
        files.map((f) => f.path),
        ops,
      );
    } catch (error) {
      // Everything was put back (or could not be: then the originals stay in old/ for the user, and the
      // journal goes, so that no later run moves the new files in over them).
      rmSync(path.join(lock, JOURNAL), { force: true });
      keep = error instanceof RestoreError;
      throw error;
    }
  } finally {
    if (!keep) release(lock);
  }
}
