import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheDir, privateUvPath, resolveInstaller } from '../src/installer.js';
import { scratchDir } from './helpers.js';

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
