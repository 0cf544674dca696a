/** The test requirements go into the smoke test's environment with the installer that built it. */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { installTestRequirements } from '../../../../src/runtimes/python/existing/project-tests.js';
import { privateUvPath } from '../../../../src/runtimes/python/installer.js';
import { scratchDir } from '../../../support/helpers.js';

const saved = { ...process.env };
let dir: string;

beforeEach(() => {
  dir = scratchDir('cts-testreq-');
  // No uv on PATH; the private one in the cache is what built the environment.
  process.env.PATH = path.join(dir, 'empty-bin');
  process.env.CTS_CACHE_DIR = path.join(dir, 'cache');
  delete process.env.CTS_INSTALLER;
});
afterEach(() => {
  process.env = { ...saved };
  rmSync(dir, { recursive: true, force: true });
});

function script(file: string, body: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

it('a venv built by the private uv (no pip in it) gets them through that uv', async () => {
  const log = path.join(dir, 'uv.log');
  script(privateUvPath(), `echo "$@" >> ${JSON.stringify(log)}`);
  // As in a venv made by `uv venv`: no pip module.
  const python = script(path.join(dir, 'venv', 'bin', 'python'), 'echo "No module named pip" >&2; exit 1');
  expect(await installTestRequirements(python, ['pytest'], ['pytest==8.3.5'])).toBeUndefined();
  expect(readFileSync(log, 'utf8')).toMatch(
    new RegExp(`^pip install --python ${python} -r \\S+requirements\\.txt$`, 'm'),
  );
});

it('pip when there is no uv at all, and its failure is reported', async () => {
  const python = script(path.join(dir, 'venv', 'bin', 'python'), 'echo "No module named pip" >&2; exit 1');
  expect(await installTestRequirements(python, ['pytest'], [])).toMatch(/No module named pip/);
});
