/**
 * add-tracing on existing Node services, end to end on the current LTS Node (CTS_NODE, obtained by the
 * network tier's setup): a copy of each fixture wired with --yes, its lockfile updated by npm, installed
 * from the npm registry, built, and the smoke test passed; a second run changes nothing.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/helpers.js';
import { fixtureRepo } from '../support/fixture-repo.js';

interface Result {
  ok: boolean;
  changed: boolean;
  written: string[];
  lock?: { outcome: string };
  route?: { path: string };
  smoke?: { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
}

const gitCopy = (fixture: string) => fixtureRepo(fixture, 'cts-node-e2e-');

async function addTracing(
  dir: string,
  extra: string[] = [],
): Promise<{ code: number | null; result: Result; stderr: string }> {
  const r = await runCli(['add-tracing', dir, '--yes', '--json', ...extra], { timeoutMs: 600_000 });
  return { code: r.code, result: JSON.parse(r.stdout) as Result, stderr: r.stderr };
}

describe('add-tracing on existing Node services', () => {
  it('Express, CommonJS, with a package-lock.json: wired, relocked, installed, smoke test passed; then a no-op', async () => {
    const dir = gitCopy('express-cjs');
    const first = await addTracing(dir);
    expect(
      first.result.smoke?.checks.filter((c) => !c.ok),
      first.stderr,
    ).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.result.lock?.outcome).toBe('updated');
    // What the install left is ignored: git sees only the files add-tracing wrote.
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(
      status
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(3))
        .sort(),
    ).toEqual([
      '.create-traced-service.json',
      '.gitignore',
      'Dockerfile',
      'package-lock.json',
      'package.json',
      'telemetry.mjs',
    ]);
    const lock = JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8'));
    expect(lock.packages['node_modules/@opentelemetry/sdk-node'].version).toBe('0.300.0');
    expect(lock.packages[''].dependencies['@opentelemetry/instrumentation-express']).toBe('0.72.0');
    // `smoke` runs it again from the record: the same start command and route.
    const again = await runCli(['smoke', dir, '--json'], { timeoutMs: 600_000 });
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as Result).route?.path).toBe('/status');

    const second = await addTracing(dir, ['--force', '--no-smoke', '--no-install']);
    expect(second.code).toBe(0);
    expect(second.result.changed).toBe(false);
    expect(second.result.written).toEqual([]);

    // The service's own SIGTERM handler exits at once: the exit must still wait for the flush.
    appendFileSync(path.join(dir, 'server.js'), "process.on('SIGTERM', () => process.exit(0));\n");
    const third = await addTracing(dir, ['--force']);
    expect(third.result.changed).toBe(false);
    expect(
      third.result.smoke?.checks.filter((c) => !c.ok),
      third.stderr,
    ).toEqual([]);
    expect(third.result.smoke?.checks.find((c) => c.name === 'graceful stop')?.detail).toMatch(/exited with code 0/);
  });

  it('Fastify, ESM TypeScript built with tsc: wired with the route hook, built, smoke test passed', async () => {
    const dir = gitCopy('fastify-ts');
    const { code, result, stderr } = await addTracing(dir);
    expect(
      result.smoke?.checks.filter((c) => !c.ok),
      stderr,
    ).toEqual([]);
    expect(code).toBe(0);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(pkg.dependencies).not.toHaveProperty('@fastify/otel');
    expect(readFileSync(path.join(dir, 'telemetry.mjs'), 'utf8')).toContain("subscribe('fastify.initialization'");
    expect(pkg.scripts.start).toBe('node --import ./telemetry.mjs dist/server.js');
    expect(result.smoke?.checks.map((c) => c.name)).toContain('server span');
  });
});
