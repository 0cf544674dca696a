/**
 * Per-test results read from what a Node test runner prints, since `npm test` can run anything: node:test
 * (TAP or spec), jest, vitest and mocha. Ids are the test's name under the file the runner names (jest,
 * vitest), numbered when a name repeats, so the same suite gives the same ids before and after.
 */
import type { TestOutcome } from '../../../pipeline/project-tests.js';

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
// A duration at the end of a line: "(3.2ms)", "(12 ms)", "3ms", "1.2 s".
const DURATION = /\s+\(?\d+(?:\.\d+)?\s?m?s\)?$/;
const PASS = /^\s*(?:[✔✓√]|ok \d+ -)\s+(.+)$/;
const FAIL = /^\s*(?:[✖✕×✗]|not ok \d+ -|\d+\))\s+(.+)$/;
// jest: "PASS test/app.test.js (1.2 s)"; vitest: "✓ test/app.test.ts (3 tests) 5ms", "❯ … (3 tests | 1 failed)".
const JEST_FILE = /^\s*(PASS|FAIL)\s+(\S+)(?:\s+\([\d.]+ m?s\))?$/;
const VITEST_FILE = /^\s*([✓❯×])\s+(\S+\.[cm]?[jt]sx?)\s+\(\d+ tests?\b([^)]*)\)/;
// Where a runner starts listing failures again (mocha's details, node:test's recap, jest's and vitest's).
const RECAP = /^\s*(?:✖ failing tests:|\d+ failing\b|●\s|(?:FAIL|⎯+ Failed Tests)\b.*\s>\s)/;
const SKIPPED = /#\s*(?:SKIP|TODO)\b/i;
const ERROR_LINE = /error|expect|assert|!==|≠|received/i;

/** The runner's totals: node:test (`# pass 3`, `ℹ pass 3`), jest/vitest (`Tests: 1 failed, 3 passed`), mocha. */
function summaryCounts(lines: string[]): { passed: number; failed: number } | undefined {
  let passed = 0;
  let failed = 0;
  let seen = false;
  const add = (p?: string, f?: string) => {
    if (p === undefined && f === undefined) return;
    seen = true;
    passed += Number(p ?? 0);
    failed += Number(f ?? 0);
  };
  for (const line of lines) {
    const nodeTest = /^\s*(?:#|ℹ)\s*(pass|fail) (\d+)$/.exec(line);
    if (nodeTest)
      add(nodeTest[1] === 'pass' ? nodeTest[2] : undefined, nodeTest[1] === 'fail' ? nodeTest[2] : undefined);
    if (/^\s*Tests:?\s/.test(line))
      add(
        /(\d+) passed/.exec(line)?.[1] ?? (/\d+ failed/.test(line) ? '0' : undefined),
        /(\d+) failed/.exec(line)?.[1],
      );
    add(/^\s*(\d+) passing\b/.exec(line)?.[1], undefined);
    add(undefined, /^\s*(\d+) failing\b/.exec(line)?.[1]);
  }
  return seen ? { passed, failed } : undefined;
}

/**
 * The first line of a failure's message, after the last place the output names the test and says why,
 * with the lines of an assertion's diff that follow it (`+   'traceparent'`): what differs.
 */
function errorOf(lines: string[], name: string): string {
  for (let at = lines.length - 1; at >= 0; at--) {
    if (!lines[at]!.includes(name)) continue;
    const after = lines.slice(at + 1, at + 20);
    const first = after.findIndex((l) => ERROR_LINE.test(l) && !/^\s*error:\s*\|-?\s*$/.test(l));
    if (first < 0) continue;
    const message = after[first]!.trim()
      .replace(/^error:\s*/, '')
      .replace(/^'(.*)'$/, '$1');
    const diff = after
      .slice(first + 1, first + 16)
      .filter((l) => /^\s*[+-]\s/.test(l) && !/^\s*\+ actual - expected/.test(l))
      .map((l) => l.trim().replace(/\s+/g, ' '));
    return [message, ...diff.slice(0, 4)].join(' ').slice(0, 300);
  }
  return 'failed';
}

export function parseTestOutput(output: string, exitCode: number): TestOutcome {
  const lines = output.replace(ANSI, '').split(/\r?\n/);
  const results = new Map<string, boolean>();
  const errors = new Map<string, string>();
  const seen = new Map<string, number>();
  let file = '';
  let recap = false;
  const record = (name: string, ok: boolean) => {
    const key = `${file}\0${name}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    const id = `${file ? `${file} > ` : ''}${name}${n > 1 ? ` #${n}` : ''}`;
    results.set(id, ok);
    if (!ok) errors.set(id, errorOf(lines, name));
  };
  for (const line of lines) {
    const jest = JEST_FILE.exec(line);
    const vitest = VITEST_FILE.exec(line);
    if (jest || vitest) {
      file = (jest ?? vitest)![2]!;
      recap = false;
      // A file-level verdict: jest lists the tests of a file only with --verbose.
      const failed = jest ? jest[1] === 'FAIL' : vitest![1] !== '✓' || /failed/.test(vitest![3]!);
      const id = `${file} (file)`;
      results.set(id, !failed);
      if (failed) errors.set(id, errorOf(lines, file));
      continue;
    }
    if (RECAP.test(line)) recap = true;
    if (recap || SKIPPED.test(line)) continue;
    const pass = PASS.exec(line);
    const fail = pass ? undefined : FAIL.exec(line);
    const name = (pass ?? fail)?.[1]?.replace(DURATION, '').trim();
    if (name) record(name, Boolean(pass));
  }
  const counts = summaryCounts(lines);
  return { results, errors, exitCode, output, ...(counts ? { counts } : {}) };
}
