/** The uncommitted-changes check never turns itself off: when git cannot read the checkout, it is dirty. */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dirtyFiles, gitState, refuseUncommitted } from '../../src/pipeline/git-safety.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function repo(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cts-git-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'main.py'), 'app = None\n');
  const git = (...a: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@e', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...a], {
      cwd: dir,
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'initial');
  return dir;
}

describe('git safety', () => {
  it('a clean file passes, an edited one is named', async () => {
    const dir = repo();
    await expect(refuseUncommitted(dir, ['main.py'])).resolves.toBeUndefined();
    writeFileSync(path.join(dir, 'main.py'), 'app = 1\n');
    await expect(refuseUncommitted(dir, ['main.py'])).rejects.toThrow(/uncommitted changes in main.py/);
  });
  it('without a git binary, a checkout with .git counts as dirty', async () => {
    const dir = repo();
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect((await gitState(dir, ['main.py'])).kind).toBe('unreadable');
      expect(await dirtyFiles(dir, ['main.py'])).toEqual(['main.py']);
      await expect(refuseUncommitted(dir, ['main.py'])).rejects.toThrow(
        /uncommitted changes cannot be ruled out.*--force/,
      );
    } finally {
      process.env.PATH = saved;
    }
  });
  it('a plain directory that is not a repository is not refused', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cts-nogit-'));
    dirs.push(dir);
    mkdirSync(path.join(dir, 'x'));
    expect((await gitState(path.join(dir, 'x'), ['a.py'])).kind).toBe('not-a-repo');
  });
  it.runIf(process.getuid?.() === 0)(
    'a repository git calls of dubious ownership is refused with the fix',
    async () => {
      const dir = repo();
      execFileSync('chown', ['-R', '65534:65534', dir]);
      await expect(refuseUncommitted(dir, ['main.py'])).rejects.toThrow(/dubious ownership.*safe\.directory/);
      chownSync(dir, 0, 0);
    },
  );
});
