/** Per-test results and totals read from the output of node:test, jest, vitest and mocha. */
import { describe, expect, it } from 'vitest';
import { parseTestOutput } from '../../../../src/runtimes/node/existing/test-output.js';

const text = (...lines: string[]) => lines.join('\n');

describe('parseTestOutput', () => {
  it('node:test TAP: results, the error from the YAML block, totals', () => {
    const out = parseTestOutput(
      text(
        'TAP version 13',
        '# Subtest: lists books',
        'ok 1 - lists books',
        '  ---',
        '  duration_ms: 3.1',
        '  ...',
        '# Subtest: rejects a bad id',
        'not ok 2 - rejects a bad id',
        '  ---',
        '  duration_ms: 2.4',
        "  failureType: 'testCodeFailure'",
        '  error: |-',
        '    Expected values to be strictly deep-equal:',
        '    + actual - expected',
        '    ',
        '      [',
        "        'host',",
        "    +   'traceparent'",
        '      ]',
        '  code: ERR_ASSERTION',
        '  ...',
        'ok 3 - later # SKIP',
        '1..3',
        '# tests 3',
        '# pass 1',
        '# fail 1',
      ),
      1,
    );
    expect(out.results).toEqual(
      new Map([
        ['lists books', true],
        ['rejects a bad id', false],
      ]),
    );
    expect(out.errors.get('rejects a bad id')).toBe("Expected values to be strictly deep-equal: + 'traceparent'");
    expect(out.counts).toEqual({ passed: 1, failed: 1 });
  });

  it('node:test spec: nested results, the recap of failures is not counted twice', () => {
    const out = parseTestOutput(
      text(
        '▶ books',
        '  ✔ lists books (1.2ms)',
        '  ✖ rejects a bad id (0.8ms)',
        '    AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:',
        '▶ books (3ms)',
        'ℹ pass 1',
        'ℹ fail 1',
        '✖ failing tests:',
        '',
        '✖ rejects a bad id (0.8ms)',
      ),
      1,
    );
    expect([...out.results]).toEqual([
      ['lists books', true],
      ['rejects a bad id', false],
    ]);
    expect(out.errors.get('rejects a bad id')).toMatch(/^AssertionError/);
  });

  it('jest: a file verdict, verbose test lines under the file, totals', () => {
    const out = parseTestOutput(
      text(
        'PASS test/health.test.js',
        'FAIL test/books.test.js (1.3 s)',
        '  books',
        '    ✓ lists books (12 ms)',
        '    ✕ rejects a bad id (3 ms)',
        '',
        '  ● books › rejects a bad id',
        '',
        '    expect(received).toBe(expected) // Object.is equality',
        '',
        'Test Suites: 1 failed, 1 passed, 2 total',
        'Tests:       1 failed, 2 passed, 3 total',
      ),
      1,
    );
    expect(out.results.get('test/health.test.js (file)')).toBe(true);
    expect(out.results.get('test/books.test.js (file)')).toBe(false);
    expect(out.results.get('test/books.test.js > lists books')).toBe(true);
    expect(out.results.get('test/books.test.js > rejects a bad id')).toBe(false);
    expect(out.errors.get('test/books.test.js > rejects a bad id')).toMatch(/^expect\(received\)/);
    expect(out.counts).toEqual({ passed: 2, failed: 1 });
  });

  it('vitest: files and the failed file tests, the recap skipped', () => {
    const out = parseTestOutput(
      text(
        ' ✓ test/health.test.ts (1 test) 2ms',
        ' ❯ test/books.test.ts (2 tests | 1 failed) 6ms',
        '   ✓ books > lists books 1ms',
        '   × books > rejects a bad id 4ms',
        '     → expected 404 to be 400 // Object.is equality',
        '⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯',
        ' FAIL  test/books.test.ts > books > rejects a bad id',
        'AssertionError: expected 404 to be 400 // Object.is equality',
        ' Test Files  1 failed | 1 passed (2)',
        '      Tests  1 failed | 2 passed (3)',
      ),
      1,
    );
    expect(out.results.get('test/health.test.ts (file)')).toBe(true);
    expect(out.results.get('test/books.test.ts (file)')).toBe(false);
    expect(out.results.get('test/books.test.ts > books > lists books')).toBe(true);
    expect(out.results.get('test/books.test.ts > books > rejects a bad id')).toBe(false);
    expect(out.results.size).toBe(4);
    expect(out.counts).toEqual({ passed: 2, failed: 1 });
  });

  it('mocha: passing and numbered failures, its details section skipped', () => {
    const out = parseTestOutput(
      text(
        '  GET /books',
        '    ✔ lists books',
        '    1) rejects a bad id',
        '    - pending one',
        '',
        '  1 passing (20ms)',
        '  1 failing',
        '',
        '  1) GET /books',
        '       rejects a bad id:',
        '     AssertionError: expected 404 to equal 400',
      ),
      1,
    );
    expect([...out.results]).toEqual([
      ['lists books', true],
      ['rejects a bad id', false],
    ]);
    expect(out.errors.get('rejects a bad id')).toBe('AssertionError: expected 404 to equal 400');
    expect(out.counts).toEqual({ passed: 1, failed: 1 });
  });

  it('a name that repeats gets a number; colors are ignored', () => {
    const out = parseTestOutput(text('\u001b[32m✔\u001b[39m works (1ms)', '✔ works (2ms)'), 0);
    expect([...out.results.keys()]).toEqual(['works', 'works #2']);
    expect(out.counts).toBeUndefined();
  });
});
