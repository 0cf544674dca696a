/** The "Next steps" a created project prints work when pasted into a shell in order. */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { runCli, scratchDir } from '../support/helpers.js';

const cwd = scratchDir('cts-next-steps-');
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

it('the printed next steps run as pasted: tests, smoke test, then the server', async () => {
  const r = await runCli(['svc', '--yes'], { cwd, timeoutMs: 570_000 });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const steps = r.stdout
    .slice(r.stdout.indexOf('Next steps'))
    .split('\n')
    .slice(1)
    .filter((line) => line.startsWith('  '))
    .map((line) => line.replace(/\s+#.*$/, '').trim());
  expect(steps[0]).toBe('cd svc');
  // The server runs until stopped, so it comes last; everything before it must pass as pasted.
  expect(steps.at(-1)).toMatch(/^uvicorn app\.main:app /);
  const out = execFileSync('bash', ['-ec', steps.slice(0, -1).join('\n')], {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  expect(out).toMatch(/passed/);
  expect(out).toMatch(/Smoke test passed/);
});
