/** The suite run before and after the change: a suite that passes nothing before cannot vouch for the change. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type TestOutcome, testBeforeAndAfter } from '../../src/pipeline/project-tests.js';
import { scratchDir } from '../support/helpers.js';

const outcome = (results: [string, boolean, string?][]): TestOutcome => ({
  results: new Map(results.map(([id, ok]) => [id, ok])),
  errors: new Map(results.filter(([, ok]) => !ok).map(([id, , error]) => [id, error ?? 'failed'])),
  exitCode: results.every(([, ok]) => ok) ? 0 : 1,
  output: '',
});

async function run(before: TestOutcome, after: TestOutcome) {
  const root = path.join(scratchDir('cts-before-after-'), 'svc');
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'main.py'), 'app = 1\n');
  return testBeforeAndAfter(
    root,
    [],
    { command: 'pytest', run: async (_dir, phase) => (phase === 'before' ? before : after) },
    () => {},
  );
}

describe('testBeforeAndAfter', () => {
  it('says so when no test passed on the original code: the comparison cannot show a regression', async () => {
    const broken = outcome([['tests', false, 'RuntimeError: the test client needs a package']]);
    const report = await run(broken, broken);
    expect(report.regressions).toEqual([]);
    expect(report.note).toBe(
      'pytest passed no test on the original code (first failure: tests: RuntimeError: the test client needs a package), ' +
        'so it cannot show whether the change broke anything',
    );
  });

  it('adds no note when tests passed before', async () => {
    const fine = outcome([['t1', true]]);
    expect((await run(fine, fine)).note).toBeUndefined();
  });
});
