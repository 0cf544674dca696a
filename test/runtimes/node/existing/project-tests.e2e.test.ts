/**
 * The Node service's own tests after add-tracing, end to end, run by its package manager with tracing on
 * (the bootstrap preloaded): a test that asserts on something tracing changes is reported as broken.
 */
import { describe, expect, it, vi } from 'vitest';
import { fixtureRepo } from '../../../support/fixture-repo.js';
import { runCli } from '../../../support/helpers.js';

vi.setConfig({ testTimeout: 600_000 });

describe("the Node service's own tests with tracing on", () => {
  it('a test that passed before and fails with the trace context propagated is a regression, and the exit status worse', async () => {
    // express-tested: `npm test` runs node --test; one test asserts the headers of an outgoing call.
    const dir = fixtureRepo('express-tested', 'cts-node-tests-');
    const run = await runCli(['add-tracing', dir, '--yes', '--json', '--route', '/hello'], { timeoutMs: 600_000 });
    const result = JSON.parse(run.stdout) as Record<string, any>;
    expect(result.smoke?.ok, run.stderr).toBe(true);
    expect(result.projectTests, run.stderr).toMatchObject({
      ran: true,
      before: { passed: 2, failed: 0 },
      after: { passed: 1, failed: 1 },
      regressions: [{ id: 'the profile service gets no header of ours' }],
      exitStatus: { before: 0, after: 1 },
    });
    expect(result.projectTests.regressions[0].error).toMatch(/traceparent/);
    expect(result.ok).toBe(false);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/broke 1 test that passed before/);
  });
});
