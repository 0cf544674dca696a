/** The bin's code cache: made at exit from what the run compiled, used by the next run, never trusted blindly. */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, scratchDir } from '../support/helpers.js';

const CODE_CACHE = path.join(REPO_ROOT, 'bin', 'code-cache.cjs');

/** A tiny "bundle": an entry that requires a chunk beside it, both CommonJS. */
function bundle(): string {
  const dir = scratchDir('cts-code-cache-');
  const dist = path.join(dir, 'dist');
  mkdirSync(dist);
  writeFileSync(
    path.join(dist, 'cli.cjs'),
    "const { add } = require('./chunk.cjs');\nexports.run = () => add(2, 3);\n",
  );
  writeFileSync(path.join(dist, 'chunk.cjs'), 'exports.add = function add(a, b) {\n  return a + b;\n};\n');
  return dir;
}

/** One process that loads the bundle through the code cache; its result and how each file was compiled. */
function run(dir: string, env: Record<string, string> = {}) {
  const script = [
    `const { requireWithCodeCache, loads } = require(${JSON.stringify(CODE_CACHE)});`,
    `const { run } = requireWithCodeCache(${JSON.stringify(path.join(dir, 'dist', 'cli.cjs'))});`,
    'process.stdout.write(JSON.stringify({ result: run(), loads }));',
  ].join('\n');
  const child = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, TMPDIR: path.join(dir, 'tmp'), ...env },
  });
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout) as { result: number; loads: { file: string; cache: string }[] };
}

const cacheFiles = (dir: string) => {
  const root = path.join(dir, 'tmp', 'create-traced-service-code-cache');
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
};

describe('the code cache of the bundle', () => {
  it('is written under TMPDIR by a first run and accepted by the next one', () => {
    const dir = bundle();
    mkdirSync(path.join(dir, 'tmp'));
    const first = run(dir);
    expect(first.result).toBe(5);
    expect(first.loads.map((l) => [path.basename(l.file), l.cache])).toEqual([
      ['cli.cjs', 'none'],
      ['chunk.cjs', 'none'],
    ]);
    expect(cacheFiles(dir)).toHaveLength(2);
    // Only finished files: a temporary one is renamed into place.
    expect(cacheFiles(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const second = run(dir);
    expect(second.result).toBe(5);
    expect(second.loads.map((l) => l.cache)).toEqual(['accepted', 'accepted']);
  });

  it('ignores a corrupt cache file and replaces it', () => {
    const dir = bundle();
    mkdirSync(path.join(dir, 'tmp'));
    run(dir);
    const [file] = cacheFiles(dir).filter((f) => path.basename(f).startsWith('chunk.cjs'));
    writeFileSync(file!, 'not a code cache');
    const after = run(dir);
    expect(after.result).toBe(5);
    expect(after.loads.map((l) => [path.basename(l.file), l.cache])).toEqual([
      ['cli.cjs', 'accepted'],
      ['chunk.cjs', 'rejected'],
    ]);
    expect(readFileSync(file!, 'utf8')).not.toBe('not a code cache');
    expect(run(dir).loads.map((l) => l.cache)).toEqual(['accepted', 'accepted']);
  });

  it('keys a file by its content: a changed file does not get the old cache', () => {
    const dir = bundle();
    mkdirSync(path.join(dir, 'tmp'));
    run(dir);
    writeFileSync(path.join(dir, 'dist', 'chunk.cjs'), 'exports.add = function add(a, b) {\n  return a * b;\n};\n');
    const after = run(dir);
    expect(after.result).toBe(6);
    expect(after.loads.map((l) => l.cache)).toEqual(['accepted', 'none']);
  });

  it('still loads the bundle when the cache cannot be written', () => {
    const dir = bundle();
    // TMPDIR is a file: no cache directory can be made under it.
    writeFileSync(path.join(dir, 'tmp'), '');
    const plain = run(dir);
    expect(plain.result).toBe(5);
    // Loaded as Node loads any CommonJS file, without the cache.
    expect(plain.loads).toEqual([]);
  });

  it('neither reads nor writes a cache directory that another user could write to (a shared temp directory)', () => {
    const dir = bundle();
    mkdirSync(path.join(dir, 'tmp'));
    run(dir);
    const base = path.join(dir, 'tmp', 'create-traced-service-code-cache');
    // Group- or world-writable: anyone could have put code there.
    chmodSync(base, 0o777);
    expect(run(dir)).toEqual({ result: 5, loads: [] });
    chmodSync(base, 0o700);
    expect(run(dir).loads.map((l) => l.cache)).toEqual(['accepted', 'accepted']);
    if (process.getuid?.() === 0) {
      // Owned by someone else (only root can arrange that here).
      chownSync(base, 65534, 65534);
      expect(run(dir)).toEqual({ result: 5, loads: [] });
    }
  });

  it("is off with NODE_DISABLE_COMPILE_CACHE, as Node's own compile cache is", () => {
    const dir = bundle();
    mkdirSync(path.join(dir, 'tmp'));
    expect(run(dir, { NODE_DISABLE_COMPILE_CACHE: '1' }).loads).toEqual([]);
    expect(readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });
});
