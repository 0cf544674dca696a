/**
 * The CI jobs `--ci` writes: the GitHub workflow passes actionlint (a Go module, built once into the user's
 * cache outside node_modules), for a Python and a Node service, and pins this CLI's version.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliVersion } from '../../src/core/paths.js';
import { ciFiles, smokeCommandLine } from '../../src/pipeline/ci-files.js';
import { RUNTIMES } from '../../src/runtimes/index.js';
import { cacheDir } from '../../src/runtimes/python/installer.js';

/** Pinned so a new release of the linter cannot change what the suite checks. */
const ACTIONLINT = 'github.com/rhysd/actionlint/cmd/actionlint@v1.7.7';

function ensureActionlint(): string {
  const bin = path.join(cacheDir(), 'test-tools', 'actionlint-1.7.7');
  const exe = path.join(bin, 'actionlint');
  if (!existsSync(exe)) {
    mkdirSync(bin, { recursive: true });
    execFileSync('go', ['install', ACTIONLINT], {
      env: { ...process.env, GOBIN: bin },
      stdio: 'pipe',
      timeout: 540_000,
    });
  }
  return exe;
}

describe('the GitHub workflow written by --ci github', () => {
  let actionlint = '';
  beforeAll(() => {
    actionlint = ensureActionlint();
  }, 600_000);

  for (const runtime of ['python', 'node'] as const) {
    it(`passes actionlint for a ${runtime} service and runs this version's smoke test`, () => {
      const [file] = ciFiles('github', { setup: RUNTIMES[runtime].ciSetup, version: cliVersion() });
      expect(file!.path).toBe('.github/workflows/telemetry.yml');
      expect(file!.content).toContain(`run: ${smokeCommandLine(cliVersion())}`);
      expect(file!.content.includes('actions/setup-python')).toBe(runtime === 'python');
      const repo = mkdtempSync(path.join(os.tmpdir(), 'cts-actionlint-'));
      mkdirSync(path.join(repo, '.github', 'workflows'), { recursive: true });
      writeFileSync(path.join(repo, file!.path), file!.content);
      // Exit 0 and no output: no finding at all (shellcheck runs too when it is installed).
      const out = execFileSync(actionlint, ['-no-color', file!.path], { cwd: repo, encoding: 'utf8' });
      expect(out).toBe('');
    });
  }

  it('actionlint does catch a broken workflow (the check is real)', () => {
    const repo = mkdtempSync(path.join(os.tmpdir(), 'cts-actionlint-'));
    mkdirSync(path.join(repo, '.github', 'workflows'), { recursive: true });
    const [file] = ciFiles('github', { setup: RUNTIMES.node.ciSetup, version: cliVersion() });
    writeFileSync(
      path.join(repo, file!.path),
      file!.content.replace('runs-on: ubuntu-latest', 'runs-on: [ubuntu-latest'),
    );
    expect(() => execFileSync(actionlint, ['-no-color', file!.path], { cwd: repo, stdio: 'pipe' })).toThrow();
  });
});
