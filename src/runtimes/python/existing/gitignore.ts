/** The smoke test's .venv inside a project belongs in its .gitignore (added only when not ignored yet). */
import { execa } from 'execa';
import type { FileChange } from '../../../pipeline/changes.js';

/** Whether a .gitignore text ignores a top-level `.venv` directory (the common spellings). */
export function gitignoreCoversVenv(text: string): boolean {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .some((l) => /^\/?\.venv\*?\/?$|^\*venv\*?\/?$|^\.\*\/?$|^\*$/.test(l));
}

/** Asks git when it can (it knows .git/info/exclude and global excludes); falls back to the text. */
export async function venvIgnored(root: string, gitignore: string | undefined): Promise<boolean> {
  try {
    const r = await execa('git', ['check-ignore', '-q', '.venv/'], { cwd: root, reject: false, timeout: 15_000 });
    if (r.exitCode === 0) return true;
    if (r.exitCode === 1) return false;
  } catch {
    // no git: read the file
  }
  return gitignore !== undefined && gitignoreCoversVenv(gitignore);
}

export function addVenvLine(text: string | undefined): string {
  if (text === undefined || text === '') return '.venv/\n';
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  return `${text}${text.endsWith('\n') ? '' : nl}.venv/${nl}`;
}

/** The .gitignore change to plan, or undefined when .venv is ignored already. */
export async function venvIgnoreChange(root: string, gitignore: string | undefined): Promise<FileChange | undefined> {
  if (await venvIgnored(root, gitignore)) return undefined;
  return {
    path: '.gitignore',
    before: gitignore ?? null,
    after: addVenvLine(gitignore),
    summary: ['ignore .venv/ (the virtual environment the smoke test builds)'],
  };
}
