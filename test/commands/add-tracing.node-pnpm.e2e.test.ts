/**
 * add-tracing on a pnpm service where pnpm is not on PATH: pnpm at the version the project names (through
 * corepack or npx) relocks pnpm-lock.yaml and installs over pnpm's own node_modules; npm never runs over it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from '../support/helpers.js';

const PNPM = 'pnpm@9.12.0';

/** The express-cjs fixture as a pnpm project: packageManager named, pnpm-lock.yaml and node_modules made by pnpm. */
function pnpmService(): string {
  const dir = path.join(scratchDir('cts-node-pnpm-'), 'svc');
  cpSync(path.resolve('test/fixtures/existing-node/express-cjs'), dir, { recursive: true });
  rmSync(path.join(dir, 'package-lock.json'));
  const file = path.join(dir, 'package.json');
  writeFileSync(
    file,
    `${JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), packageManager: PNPM }, null, 4)}\n`,
  );
  execFileSync('npx', ['-y', `--package=${PNPM}`, '--', 'pnpm', 'install'], { cwd: dir, stdio: 'pipe' });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir });
  git('init', '-q');
  writeFileSync(path.join(dir, '.git', 'info', 'exclude'), 'node_modules\n');
  git('add', '-A');
  git('commit', '-qm', 'init');
  return dir;
}

describe('add-tracing on a pnpm service without pnpm installed', () => {
  it('pnpm relocks and installs; no package-lock.json; the smoke test passes', async () => {
    const dir = pnpmService();
    expect(existsSync(path.join(dir, 'node_modules', '.pnpm'))).toBe(true);
    const noPnpm = (process.env.PATH ?? '')
      .split(path.delimiter)
      .filter((d) => !existsSync(path.join(d, 'pnpm')))
      .join(path.delimiter);
    const r = await runCli(['add-tracing', dir, '--yes', '--json'], { timeoutMs: 900_000, env: { PATH: noPnpm } });
    const result = JSON.parse(r.stdout) as {
      lock?: { outcome: string; detail: string };
      install?: { installer: string };
      smoke?: { checks: { name: string; ok: boolean }[] };
    };
    expect(result.lock, r.stderr).toMatchObject({ outcome: 'updated', detail: expect.stringContaining('pnpm') });
    expect(result.install?.installer).toMatch(/pnpm@9\.12\.0/);
    expect(
      result.smoke?.checks.filter((c) => !c.ok),
      r.stderr,
    ).toEqual([]);
    expect(r.code).toBe(0);
    const lock = readFileSync(path.join(dir, 'pnpm-lock.yaml'), 'utf8');
    expect(lock).toMatch(/'@opentelemetry\/sdk-node':\s*\n\s+specifier: 0\.300\.0/);
    expect(existsSync(path.join(dir, 'package-lock.json'))).toBe(false);
    expect(existsSync(path.join(dir, 'node_modules', '.package-lock.json'))).toBe(false);
  }, 900_000);
});
