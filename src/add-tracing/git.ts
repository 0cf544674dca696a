/** Git safety: which of the files add-tracing would touch have uncommitted changes. */
import { execa } from 'execa';

export async function isGitWorkTree(root: string): Promise<boolean> {
  try {
    const r = await execa('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root, reject: false, timeout: 15_000 });
    return r.exitCode === 0 && String(r.stdout).trim() === 'true';
  } catch {
    return false; // no git at all
  }
}

/** Paths (relative to root) among `files` that `git status --porcelain` reports as changed or untracked. */
export async function dirtyFiles(root: string, files: string[]): Promise<string[]> {
  if (files.length === 0 || !(await isGitWorkTree(root))) return [];
  const r = await execa('git', ['status', '--porcelain', '--untracked-files=all', '--', ...files], { cwd: root, reject: false, timeout: 30_000 });
  if (r.exitCode !== 0) return [];
  return String(r.stdout)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.slice(3).replace(/^"|"$/g, ''));
}
