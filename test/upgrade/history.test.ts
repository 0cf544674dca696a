/** The base recovered from a project's own git history: the commit that first added its answers file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '../support/add-tracing.js';
import { scratchDir } from '../support/helpers.js';
import { baseFromHistory } from '../../src/upgrade/history.js';

const ANSWERS = '.create-traced-service.json';

function write(dir: string, rel: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
}

/** A repository whose project (in `sub`) was committed as generated, then edited and committed again. */
function repo(sub = ''): { root: string; dir: string } {
  const root = scratchDir('cts-history-');
  const dir = path.join(root, sub);
  git(root, 'init', '-q');
  write(dir, ANSWERS, '{"cliVersion":"0.1.0","options":{}}\n');
  write(dir, 'app/main.py', 'generated\n');
  write(dir, 'README.md', 'readme\n');
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'generated');
  write(dir, 'app/main.py', 'generated\nmine\n');
  write(dir, 'notes.txt', 'mine\n');
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'my edits');
  return { root, dir };
}

describe('baseFromHistory', () => {
  it('reads each file as the commit that first added the answers file holds it', async () => {
    const { root, dir } = repo();
    const first = git(root, 'rev-list', '--max-parents=0', 'HEAD').trim();
    const base = await baseFromHistory(dir, ['app/main.py', 'README.md', 'notes.txt', 'tests/new.py']);
    expect(base?.commit).toBe(first);
    // Files that commit did not have are not in the base: new in a later template, or the user's own.
    expect(base?.files).toEqual([
      { path: 'app/main.py', content: 'generated\n' },
      { path: 'README.md', content: 'readme\n' },
    ]);
  });

  it('works for a project in a subdirectory of its repository', async () => {
    const { dir } = repo('services/orders');
    const base = await baseFromHistory(dir, ['app/main.py']);
    expect(base?.files).toEqual([{ path: 'app/main.py', content: 'generated\n' }]);
  });

  it('gives nothing outside a git repository, or when the answers file was never committed', async () => {
    const plain = scratchDir('cts-history-plain-');
    write(plain, ANSWERS, '{}\n');
    expect(await baseFromHistory(plain, ['app/main.py'])).toBeUndefined();
    const uncommitted = scratchDir('cts-history-uncommitted-');
    git(uncommitted, 'init', '-q');
    write(uncommitted, ANSWERS, '{}\n');
    expect(await baseFromHistory(uncommitted, [ANSWERS])).toBeUndefined();
  });
});
