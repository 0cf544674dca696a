/**
 * `upgrade` with real installs and the smoke test: one project per framework generated on 1.42 with a
 * user's edits, and one add-tracing'd project. The fast variants (no install) are in upgrade.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addTracing, E2E_ENV, git, jsonOf, removeScratch, tempDir } from '../support/add-tracing.js';
import {
  CHANGED_SETTING,
  expectEditsKept,
  expectNewestPins,
  generateCommitted,
  upgrade,
  userEdits,
  projectOn142,
} from '../support/upgrade.js';

afterAll(removeScratch);

function expectSmokePassed(result: Record<string, any>, output: string): void {
  const failed = (result.pipeline?.smoke?.checks ?? []).filter((c: { ok: boolean }) => !c.ok);
  expect(result.ok, `${JSON.stringify(failed, null, 2)}\n${output}`).toBe(true);
  expect(result.pipeline.smoke.ok).toBe(true);
}

describe.each(['fastapi', 'starlette', 'flask', 'django'])(
  'upgrade of a generated %s project, installed and smoke-tested',
  (framework) => {
    it('passes the smoke test on the newest set with every user edit kept', async () => {
      const dir = await generateCommitted(tempDir('cts-upgrade-e2e-'), framework);
      userEdits(dir, framework);
      const r = await upgrade(dir, ['--yes', '--json'], E2E_ENV);
      expect(r.code, r.stderr).toBe(0);
      expectSmokePassed(jsonOf(r), r.stderr);
      expectNewestPins(dir);
      expectEditsKept(dir, framework);
      git(dir, 'add', '-A');
      git(dir, 'commit', '-qm', 'upgraded');
      const again = await upgrade(dir, ['--yes', '--json'], E2E_ENV);
      expect(again.code, again.stderr).toBe(0);
      expect(jsonOf(again)).toMatchObject({ ok: true, written: [] });
      expect(git(dir, 'status', '--porcelain')).toBe('');
    });
  },
);

describe("upgrade of an add-tracing'd project, installed and smoke-tested", () => {
  it("passes the smoke test on the newest set with the user's telemetry edit kept", async () => {
    const dir = projectOn142();
    const traced = await addTracing(dir, ['--yes', '--no-install', '--otel-version', '1.42']);
    expect(traced.code, traced.stderr).toBe(0);
    const telemetry = path.join(dir, 'app/telemetry.py');
    writeFileSync(telemetry, readFileSync(telemetry, 'utf8').replace('SCHEDULE_DELAY_MILLIS = 5000', CHANGED_SETTING));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'traced, then my setting');
    const r = await upgrade(dir, ['--yes', '--json'], E2E_ENV);
    expect(r.code, r.stderr).toBe(0);
    expectSmokePassed(jsonOf(r), r.stderr);
    expect(readFileSync(telemetry, 'utf8')).toContain(CHANGED_SETTING);
    expect(readFileSync(path.join(dir, 'requirements.txt'), 'utf8')).toContain('opentelemetry-sdk==1.45.2');
  });
});

describe('upgrade of a project with a uv.lock', () => {
  it('re-locks it with uv, so the image built from the lock gets the new set, and the lock checks fresh', async () => {
    const dir = await generateCommitted(tempDir('cts-upgrade-lock-'), 'fastapi');
    execFileSync('uv', ['lock', '--quiet'], { cwd: dir, env: { ...process.env, ...E2E_ENV } });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'locked');
    expect(readFileSync(path.join(dir, 'uv.lock'), 'utf8')).toMatch(/name = "opentelemetry-sdk"\nversion = "1\.42\.1"/);
    const r = await upgrade(dir, ['--yes', '--json', '--no-install'], E2E_ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonOf(r).locks[0]).toMatchObject({ outcome: 'relocked' });
    expect(readFileSync(path.join(dir, 'uv.lock'), 'utf8')).toMatch(
      /name = "opentelemetry-sdk"\nversion = "1\.45\.\d+"/,
    );
    execFileSync('uv', ['lock', '--check', '--quiet'], { cwd: dir, env: { ...process.env, ...E2E_ENV } });
  });
});
