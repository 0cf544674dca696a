/** --force replaces files all-or-nothing: a failure at any step puts every original back. */
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaceAll, type MoveOps } from '../../src/generate/write.js';
import { scratchDir } from '../support/helpers.js';
import { picture } from './tree.js';

const PATHS = ['README.md', 'app/main.py', 'app/telemetry.py', 'tests/deep/test_x.py', 'Dockerfile'];

function setup(): { root: string; staged: string; backup: string } {
  const base = scratchDir('cts-replace-');
  const root = path.join(base, 'root');
  mkdirSync(path.join(root, 'app'), { recursive: true });
  writeFileSync(path.join(root, 'README.md'), 'mine\n');
  writeFileSync(path.join(root, 'app', 'main.py'), 'print("mine")\n');
  writeFileSync(path.join(root, 'keep.txt'), 'untouched\n');
  symlinkSync('keep.txt', path.join(root, 'Dockerfile'));
  const staged = path.join(base, 'staged');
  for (const rel of PATHS) {
    mkdirSync(path.dirname(path.join(staged, rel)), { recursive: true });
    writeFileSync(path.join(staged, rel), `new ${rel}\n`);
  }
  return { root, staged, backup: path.join(base, 'old') };
}

describe('replaceAll', () => {
  it('replaces every path and keeps the originals in the backup folder', () => {
    const { root, staged, backup } = setup();
    replaceAll(root, staged, backup, PATHS);
    for (const rel of PATHS) expect(picture(root)[rel]).toMatchObject({ type: 'file', content: `new ${rel}\n` });
    expect(picture(backup)['README.md']).toMatchObject({ content: 'mine\n' });
    expect(picture(backup)['Dockerfile']).toEqual({ type: 'link', to: 'keep.txt' });
  });

  it('a failure at any rename or mkdir leaves the target exactly as before', () => {
    // Count the operations of a successful run, then fail at each one in turn.
    let total = 0;
    const counting = setup();
    replaceAll(counting.root, counting.staged, counting.backup, PATHS, {
      rename: (a, b) => (total++, renameSync(a, b)),
      mkdir: (d) => (total++, mkdirSync(d)),
    });
    expect(total).toBeGreaterThan(PATHS.length);
    for (let failAt = 1; failAt <= total; failAt++) {
      const { root, staged, backup } = setup();
      const before = picture(root);
      let n = 0;
      const step = () => {
        if (++n === failAt) throw Object.assign(new Error('injected'), { code: 'EIO' });
      };
      const ops: MoveOps = { rename: (a, b) => (step(), renameSync(a, b)), mkdir: (d) => (step(), mkdirSync(d)) };
      expect(() => replaceAll(root, staged, backup, PATHS, ops)).toThrow('injected');
      expect(picture(root), `failure at step ${failAt}`).toEqual(before);
    }
  });
});
