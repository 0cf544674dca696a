import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { scratchDir } from './helpers.js';

/** A copy of test/fixtures/existing-node/<fixture> as a git repository with everything committed. */
export function fixtureRepo(fixture: string, prefix = 'cts-node-'): string {
  const dir = path.join(scratchDir(prefix), fixture);
  cpSync(path.resolve('test/fixtures/existing-node', fixture), dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'init');
  return dir;
}
