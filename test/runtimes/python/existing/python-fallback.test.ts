/** The interpreter for the smoke-test venv: --python, and the next installed one when a pin does not build. */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstallError } from '../../../../src/core/errors.js';
import { projectEnvironment } from '../../../../src/runtimes/python/existing/environment.js';
import {
  buildableInterpreter,
  fallbackInterpreters,
  isBuildFailure,
  unbuiltPackage,
} from '../../../../src/runtimes/python/existing/interpreter-fallback.js';
import type { Interpreter } from '../../../../src/runtimes/python/existing/project-python.js';
import { scratchDir } from '../../../support/helpers.js';

const py = (version: string): Interpreter => ({ command: `/py/${version}/bin/python`, version, via: 'pyenv' });
const UV_BUILD_FAILURE = [
  'error: Failed to build `greenlet==3.0.1`',
  '  ╰─▶ The build backend returned an error',
  "      src/greenlet/greenlet.cpp:1340:36: error: 'PyThreadState' has no member named 'trash'",
  "      error: Command '['g++', '-c', 'src/greenlet/greenlet.cpp']' returned non-zero exit status 1.",
  '  hint: Build failures usually indicate a problem with the package or the build environment',
].join('\n');

describe('build failures', () => {
  it('tells a package that failed to build from other install failures, and names it', () => {
    expect(isBuildFailure(UV_BUILD_FAILURE)).toBe(true);
    expect(unbuiltPackage(UV_BUILD_FAILURE)).toBe('greenlet==3.0.1');
    expect(isBuildFailure("error: Failed building wheel for psycopg2\nerror: command '/usr/bin/gcc' failed")).toBe(
      true,
    );
    expect(unbuiltPackage('  ERROR: Failed building wheel for psycopg2')).toBe('psycopg2');
    expect(isBuildFailure('× No solution found when resolving dependencies: flask==9.9 does not exist')).toBe(false);
    expect(isBuildFailure('error: Request failed after 3 retries: connection reset')).toBe(false);
  });
});

describe('fallbackInterpreters', () => {
  it('older minors than the one that failed, newest patch of each, newest first, within the declaration', () => {
    const installed = [py('3.9.18'), py('3.12.1'), py('3.13.0'), py('3.11.7'), py('3.12.0'), py('3.10.13')];
    expect(fallbackInterpreters({ spec: '' }, installed, py('3.13.0')).map((i) => i.version)).toEqual([
      '3.12.1',
      '3.11.7',
      '3.10.13',
      '3.9.18',
    ]);
    // requires-python and the OpenTelemetry set's minimum still hold.
    expect(fallbackInterpreters({ spec: '>=3.10' }, installed, py('3.13.0'), '3.11').map((i) => i.version)).toEqual([
      '3.12.1',
      '3.11.7',
    ]);
  });
});

describe('buildableInterpreter', () => {
  const ui = () => {
    const warnings: string[] = [];
    return { warnings, ui: { warn: (m: string) => warnings.push(m), info: () => {} } };
  };

  it('a build failure on 3.13 is retried on 3.12, which is used, said and advised', async () => {
    const tried: string[] = [];
    const { warnings, ui: u } = ui();
    const chosen = await buildableInterpreter(
      py('3.13.0'),
      [py('3.12.1'), py('3.11.7')],
      async (p) => {
        tried.push(p.version);
        if (p.version === '3.13.0') throw new InstallError('uv exited with 1', UV_BUILD_FAILURE, 'uv pip install');
      },
      u,
    );
    expect(tried).toEqual(['3.13.0', '3.12.1']);
    expect(chosen.interpreter.version).toBe('3.12.1');
    expect(warnings[0]).toBe('Python 3.13.0 could not build greenlet==3.0.1; trying Python 3.12.1');
    expect(chosen.advice).toMatch(
      /built with Python 3\.12\.1 .*greenlet==3\.0\.1 does not build on 3\.13\.0.*requires-python = ">=3\.12,<3\.13".*`3\.12` in \.python-version/,
    );
  });

  it('any other failure is not retried: the first choice stays, for the pipeline to report', async () => {
    const tried: string[] = [];
    const chosen = await buildableInterpreter(
      py('3.13.0'),
      [py('3.12.1')],
      async (p) => {
        tried.push(p.version);
        throw new InstallError('uv exited with 1', 'No solution found when resolving dependencies', '');
      },
      ui().ui,
    );
    expect(tried).toEqual(['3.13.0']);
    expect(chosen).toEqual({ interpreter: py('3.13.0') });
  });

  it('when none builds it, says which were tried and keeps the first', async () => {
    const { warnings, ui: u } = ui();
    const chosen = await buildableInterpreter(
      py('3.13.0'),
      [py('3.12.1')],
      async () => {
        throw new InstallError('uv exited with 1', UV_BUILD_FAILURE, '');
      },
      u,
    );
    expect(chosen.interpreter.version).toBe('3.13.0');
    expect(warnings.at(-1)).toBe('no installed Python could build greenlet==3.0.1 (tried 3.13.0, 3.12.1)');
  });
});

describe('--python X.Y', () => {
  const saved = { ...process.env };
  let dir: string;
  beforeEach(() => {
    dir = scratchDir('cts-python-flag-');
    for (const v of ['3.12.4', '3.13.1']) {
      const bin = path.join(dir, 'pyenv', 'versions', v, 'bin');
      mkdirSync(bin, { recursive: true });
      writeFileSync(path.join(bin, 'python'), `#!/bin/sh\necho ${v}\n`);
      chmodSync(path.join(bin, 'python'), 0o755);
    }
    mkdirSync(path.join(dir, 'project'));
    process.env.PYENV_ROOT = path.join(dir, 'pyenv');
    process.env.PATH = path.join(dir, 'empty');
    process.env.UV_PYTHON_INSTALL_DIR = path.join(dir, 'uv');
    delete process.env.CTS_PYTHON;
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it('picks that minor over the newest', async () => {
    const env = await projectEnvironment(path.join(dir, 'project'), 'flask', [], undefined, '3.12');
    expect(env.interpreter?.version).toBe('3.12.4');
  });
  it('one not installed is named with how to get it; a malformed one is refused', async () => {
    const env = await projectEnvironment(path.join(dir, 'project'), 'flask', [], undefined, '3.11');
    expect(env.interpreter).toBeUndefined();
    expect(env.missing).toMatch(
      /--python 3\.11: it is not installed \(found: 3\.12\.4, 3\.13\.1\).*pyenv install 3\.11/,
    );
    await expect(projectEnvironment(path.join(dir, 'project'), 'flask', [], undefined, 'py3')).rejects.toThrow(
      /give a version as X\.Y/,
    );
  });
});
