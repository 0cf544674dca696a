/**
 * Python virtualenvs for interop tests, cached in the user's cache (test-venvs/<name>-<hash>, outside
 * node_modules so `npm ci` keeps them) so only the first run pays for the install (uv when on PATH). The hash covers the pins and the interpreter version. A venv is
 * built in a sibling temp dir and renamed into place, so a half-built one is never reused and parallel
 * workers cannot trip over each other (we only ever run it as <venv>/bin/python, which stays valid).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { cacheDir } from '../../src/runtimes/python/installer.js';

const CACHE_DIR = path.join(cacheDir(), 'test-venvs');
const READY_MARKER = '.cts-ready';

/** Interop tests run unless CTS_SKIP_PYTHON=1; a missing python3 is then a failure, not a skip. */
export const skipPython = process.env.CTS_SKIP_PYTHON === '1';

/** Budget for creating a venv and pip-installing into it on a cold cache. */
export const VENV_SETUP_TIMEOUT_MS = 180_000;

function binDir(venv: string): string {
  return process.platform === 'win32' ? path.join(venv, 'Scripts') : path.join(venv, 'bin');
}

export function venvPython(venv: string): string {
  return path.join(binDir(venv), process.platform === 'win32' ? 'python.exe' : 'python');
}

function isReady(venv: string): boolean {
  return existsSync(path.join(venv, READY_MARKER)) && existsSync(venvPython(venv));
}

/** Returns the path of the python executable in a venv that has exactly `pins` installed. */
export async function ensureVenv(name: string, pins: readonly string[]): Promise<string> {
  const basePython = process.env.CTS_PYTHON ?? 'python3';
  const { stdout: version } = await execa(basePython, ['--version']);
  const hash = createHash('sha256')
    .update(`${version}\n${[...pins].sort().join('\n')}`)
    .digest('hex')
    .slice(0, 16);
  const venv = path.join(CACHE_DIR, `${name}-${hash}`);
  if (isReady(venv)) return venvPython(venv);

  await mkdir(CACHE_DIR, { recursive: true });
  const staging = `${venv}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await execa(basePython, ['-m', 'venv', staging], { timeout: VENV_SETUP_TIMEOUT_MS });
    const uv = await execa('uv', ['--version']).then(
      () => true,
      () => false,
    );
    if (uv)
      await execa('uv', ['pip', 'install', '--quiet', '--python', venvPython(staging), ...pins], {
        timeout: VENV_SETUP_TIMEOUT_MS,
      });
    else {
      await execa(
        venvPython(staging),
        ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet', ...pins],
        { timeout: VENV_SETUP_TIMEOUT_MS, env: { PIP_NO_INPUT: '1' } },
      );
    }
    await writeFile(path.join(staging, READY_MARKER), `${pins.join('\n')}\n`);
    await rename(staging, venv).catch(async () => {
      if (isReady(venv)) return rm(staging, { recursive: true, force: true }); // another worker won
      await rm(venv, { recursive: true, force: true }); // a stale, unmarked leftover
      await rename(staging, venv);
    });
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    // Another worker may have finished the same venv first.
    if (isReady(venv)) return venvPython(venv);
    throw err;
  }
  return venvPython(venv);
}
