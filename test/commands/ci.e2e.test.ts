/**
 * The CI job `--ci github` writes, run as CI runs it: a fresh clone of the generated project, this CLI
 * packed and installed there (so `npx create-traced-service@<version>` resolves to it, as it resolves to the
 * published package in CI), and the workflow's smoke step run exactly as written.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, scratchDir } from '../support/helpers.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, stdio: 'pipe' });

describe('the generated GitHub workflow, run as CI runs it', () => {
  const root = scratchDir('cts-ci-');
  let tarball = '';
  beforeAll(() => {
    // --ignore-scripts: the bundle is built already, and `prepare` would rebuild dist/ under the other tests.
    const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', root, '--silent'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 300_000,
    });
    tarball = path.join(root, packed.trim().split('\n').at(-1)!);
  }, 300_000);

  it("a fresh clone of a generated FastAPI service passes the workflow's smoke step and writes the JUnit report", async () => {
    const gen = await runCli(['svc', '--yes', '--no-install', '--ci', 'github'], { cwd: root });
    expect(gen.code, gen.stderr).toBe(0);
    const source = path.join(root, 'svc');
    git(source, 'init', '-q');
    git(source, 'add', '-A');
    git(source, 'commit', '-qm', 'generated');
    const clone = path.join(root, 'clone');
    git(root, 'clone', '-q', source, clone);
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', tarball], {
      cwd: clone,
      stdio: 'pipe',
      timeout: 300_000,
    });
    const workflow = readFileSync(path.join(clone, '.github/workflows/telemetry.yml'), 'utf8');
    const step = /- name: Smoke test and telemetry contract\n\s+run: (.+)\n/.exec(workflow)?.[1];
    expect(step).toMatch(/^npx --yes create-traced-service@\d+\.\d+\.\d+\S* smoke \. --junit telemetry-junit\.xml$/);
    const out = execFileSync('sh', ['-c', step!], { cwd: clone, encoding: 'utf8', timeout: 540_000 });
    expect(out).toContain('Smoke test passed');
    expect(existsSync(path.join(clone, 'telemetry-junit.xml'))).toBe(true);
    expect(readFileSync(path.join(clone, 'telemetry-junit.xml'), 'utf8')).toContain('failures="0"');
  });
});
