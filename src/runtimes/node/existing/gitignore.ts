/** The node_modules the smoke test installs belong in the project's .gitignore (added only when git does not ignore it). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { FileChange } from '../../../pipeline/changes.js';
import { readTextIfExists } from '../../../core/read-file.js';

export async function nodeModulesIgnoreChange(root: string): Promise<FileChange | undefined> {
  if (existsSync(path.join(root, 'node_modules'))) return undefined;
  try {
    const r = await execa('git', ['check-ignore', '-q', 'node_modules/'], {
      cwd: root,
      reject: false,
      timeout: 15_000,
    });
    // 0: ignored; 1: not ignored; anything else: not a repository (nothing to keep clean).
    if (r.exitCode !== 1) return undefined;
  } catch {
    return undefined;
  }
  const file = path.join(root, '.gitignore');
  const before = (await readTextIfExists(file)) ?? null;
  const nl = before?.includes('\r\n') ? '\r\n' : '\n';
  const after = before ? `${before}${before.endsWith('\n') ? '' : nl}node_modules/${nl}` : 'node_modules/\n';
  return {
    path: '.gitignore',
    before,
    after,
    summary: ['ignore node_modules/ (the smoke test installs the dependencies)'],
  };
}
