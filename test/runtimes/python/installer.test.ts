import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheDir, privateUvPath, resolveInstaller } from '../../../src/runtimes/python/installer.js';
import { scratchDir } from '../../support/helpers.js';

const saved = { ...process.env };
let cache: string;
let emptyBin: string;

beforeEach(() => {
  cache = scratchDir('cts-cache-');
  emptyBin = scratchDir('cts-bin-');
  // No uv on PATH (only what the installer needs to spawn nothing), and an empty private cache.
  process.env.PATH = emptyBin;
  process.env.CTS_CACHE_DIR = cache;
  delete process.env.CTS_INSTALLER;
});
afterEach(() => {
  process.env = { ...saved };
  rmSync(cache, { recursive: true, force: true });
  rmSync(emptyBin, { recursive: true, force: true });
});

function fakeUv(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '#!/bin/sh\necho "uv 0.0.0"\n');
  chmodSync(file, 0o755);
}

/**
 * An interpreter that does what `venv` and `pip` would do to the files, and logs how it was called; with
 * NO_PIP set, it has no pip of its own (`-m pip --python` fails), as a distribution's python3 may not.
 */
function fakePython(dir: string, log: string, { pip }: { pip: boolean }): string {
  const file = path.join(dir, 'python3');
  const uv = `printf '#!/bin/sh\\necho uv 0.0.0\\n' > "$target/uv"; chmod +x "$target/uv"`;
  writeFileSync(
    file,
    [
      '#!/bin/sh',
      'PATH=/usr/bin:/bin',
      `echo "$@" >> ${JSON.stringify(log)}`,
      'if [ "$1 $2" = "-m venv" ]; then',
      '  if [ "$3" = "--without-pip" ]; then dir="$4"; else dir="$3"; fi',
      '  mkdir -p "$dir/bin" && cp "$0" "$dir/bin/python" && exit 0',
      'fi',
      'if [ "$1 $2 $3" = "-m pip --python" ]; then',
      pip ? `  target="$(dirname "$4")"; ${uv}; exit 0` : '  echo "No module named pip" >&2; exit 1',
      'fi',
      `if [ "$1 $2 $3" = "-m pip install" ]; then target="$(dirname "$0")"; ${uv}; exit 0; fi`,
      'exit 1',
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o755);
  return file;
}

describe('the private uv', () => {
  it("is installed by the interpreter's own pip into a venv built without pip", async () => {
    const log = path.join(cache, 'calls.log');
    const python = fakePython(emptyBin, log, { pip: true });
    expect(await resolveInstaller('auto', python, () => {})).toEqual({
      kind: 'uv',
      command: privateUvPath(),
      private: true,
    });
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatch(/^-m venv --without-pip \S+\.tmp-/);
    expect(calls[1]).toMatch(/^-m pip --python \S+\.tmp-\S+\/bin\/python install .*uv==\d/);
    expect(existsSync(privateUvPath())).toBe(true);
  });

  it('falls back to a venv with its own pip when the interpreter has none', async () => {
    const log = path.join(cache, 'calls.log');
    const python = fakePython(emptyBin, log, { pip: false });
    expect(await resolveInstaller('auto', python, () => {})).toMatchObject({ kind: 'uv', private: true });
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls.map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual([
      '-m venv --without-pip',
      '-m pip --python',
      expect.stringMatching(/^-m venv \S+\.tmp-/),
      '-m pip install',
    ]);
    expect(existsSync(privateUvPath())).toBe(true);
  });
});

describe('--installer', () => {
  it('the cache follows CTS_CACHE_DIR, then XDG_CACHE_HOME, never node_modules', () => {
    expect(cacheDir()).toBe(cache);
    delete process.env.CTS_CACHE_DIR;
    process.env.XDG_CACHE_HOME = '/somewhere';
    expect(cacheDir()).toBe(path.join('/somewhere', 'create-traced-service'));
  });

  it('pip is pip, whatever is installed', async () => {
    fakeUv(path.join(emptyBin, 'uv'));
    expect(await resolveInstaller('pip', 'python3', () => {})).toEqual({ kind: 'pip' });
  });

  it('uv on PATH wins for auto and uv', async () => {
    fakeUv(path.join(emptyBin, 'uv'));
    expect(await resolveInstaller('auto', 'python3', () => {})).toMatchObject({
      kind: 'uv',
      command: 'uv',
      private: false,
    });
    expect(await resolveInstaller('uv', 'python3', () => {})).toMatchObject({ kind: 'uv', command: 'uv' });
  });

  it('uv without one anywhere is an error that names the fix', async () => {
    await expect(resolveInstaller('uv', 'python3', () => {})).rejects.toThrow(/uv is not on PATH.*--installer auto/);
  });

  it('auto reuses the private uv already in the cache', async () => {
    fakeUv(privateUvPath());
    expect(await resolveInstaller('auto', 'python3', () => {})).toEqual({
      kind: 'uv',
      command: privateUvPath(),
      private: true,
    });
  });

  it('auto falls back to pip, saying why, when the private uv cannot be installed', async () => {
    const tool = await resolveInstaller('auto', path.join(emptyBin, 'no-such-python'), () => {});
    expect(tool).toMatchObject({ kind: 'pip', note: expect.stringMatching(/could not install a private uv/) });
    // Nothing half-built is left for the next run to trust.
    expect(await resolveInstaller('uv', 'python3', () => {}).catch((e: Error) => e.message)).toMatch(/not on PATH/);
  });

  it('CTS_INSTALLER picks the installer when the option is auto', async () => {
    fakeUv(path.join(emptyBin, 'uv'));
    process.env.CTS_INSTALLER = 'pip';
    expect(await resolveInstaller('auto', 'python3', () => {})).toEqual({ kind: 'pip' });
    expect(await resolveInstaller('uv', 'python3', () => {})).toMatchObject({ kind: 'uv' });
  });
});
