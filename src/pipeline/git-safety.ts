/**
 * Git safety: which of the files add-tracing would touch have uncommitted changes. When git cannot
 * answer for a checkout (no git binary, "dubious ownership", a broken repository) the tree counts as
 * dirty: a safety check must not turn itself off.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { UsageError } from '../core/errors.js';

export type GitState =
  | { kind: 'not-a-repo' }
  | { kind: 'unreadable'; reason: string }
  | { kind: 'repo'; dirty: string[] };

/** A `.git` in root or above: the directory is in a repository whether or not git can read it. */
export function insideGitCheckout(root: string): boolean {
  let dir = path.resolve(root);
  for (;;) {
    if (existsSync(path.join(dir, '.git'))) return true;
    const parent = path.dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.replace(/^(fatal|error):\s*/, '').trim())
      .find((l) => l !== '') ?? 'unknown error'
  );
}

export async function gitState(root: string, files: string[]): Promise<GitState> {
  let probe;
  try {
    probe = await execa('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root, reject: false, timeout: 15_000 });
  } catch (error) {
    return insideGitCheckout(root)
      ? { kind: 'unreadable', reason: `git could not run (${(error as Error).message.split('\n')[0]})` }
      : { kind: 'not-a-repo' };
  }
  if (probe.exitCode !== 0 || String(probe.stdout).trim() !== 'true') {
    const stderr = String(probe.stderr);
    if (/not a git repository/i.test(stderr) && !insideGitCheckout(root)) return { kind: 'not-a-repo' };
    if (String(probe.stdout).trim() === 'false') return { kind: 'not-a-repo' }; // inside .git itself
    return { kind: 'unreadable', reason: firstLine(stderr) };
  }
  if (files.length === 0) return { kind: 'repo', dirty: [] };
  const r = await execa('git', ['status', '--porcelain', '--untracked-files=all', '--', ...files], {
    cwd: root,
    reject: false,
    timeout: 30_000,
  });
  if (r.exitCode !== 0) return { kind: 'unreadable', reason: firstLine(String(r.stderr)) };
  const dirty = String(r.stdout)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.slice(3).replace(/^"|"$/g, ''));
  return { kind: 'repo', dirty };
}

export async function isGitWorkTree(root: string): Promise<boolean> {
  return (await gitState(root, [])).kind === 'repo';
}

/** Paths (relative to root) among `files` with uncommitted changes; every file when git cannot tell. */
export async function dirtyFiles(root: string, files: string[]): Promise<string[]> {
  const state = await gitState(root, files);
  if (state.kind === 'not-a-repo') return [];
  return state.kind === 'unreadable' ? [...files] : state.dirty;
}

/** The refusal add-tracing gives before showing or writing anything (one line, exit 2). */
export async function refuseUncommitted(root: string, files: string[]): Promise<void> {
  const state = await gitState(root, files);
  if (state.kind === 'unreadable') {
    const fix = /dubious ownership/i.test(state.reason)
      ? `git config --global --add safe.directory ${root}`
      : 'make git able to read it';
    throw new UsageError(
      `git cannot read ${root} (${state.reason}), so uncommitted changes cannot be ruled out: ${fix}, or pass --force — nothing was changed`,
    );
  }
  if (state.kind === 'repo' && state.dirty.length > 0) {
    throw new UsageError(
      `uncommitted changes in ${state.dirty.join(', ')}: commit or stash them first, or pass --force — nothing was changed`,
    );
  }
}
