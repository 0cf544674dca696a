/** The project's own tests: run as the user runs them after the change (tracing on), judged on exit status too. */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  compareOutcomes,
  parseJunit,
  runSuite,
  type TestOutcome,
} from '../../../../src/runtimes/python/existing/project-tests.js';
import { scratchDir } from '../../../support/helpers.js';

let dir: string;
beforeEach(() => {
  dir = scratchDir('cts-suite-');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in interpreter that records the environment pytest would get, and passes. */
function recordingPython(): { python: string; envFile: string } {
  const envFile = path.join(dir, 'env.txt');
  const python = path.join(dir, 'bin', 'python');
  mkdirSync(path.dirname(python), { recursive: true });
  writeFileSync(python, `#!/bin/sh\nenv > ${JSON.stringify(envFile)}\nexit 0\n`);
  chmodSync(python, 0o755);
  return { python, envFile };
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('runSuite', () => {
  it('runs with the SDK on, exporting to a closed local port with a short timeout', async () => {
    const { python, envFile } = recordingPython();
    await runSuite(python, dir, {
      OTEL_SDK_DISABLED: 'true',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example.com:4317',
      APP_SETTING: 'kept',
    });
    const env = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env.OTEL_SDK_DISABLED).not.toBe('true');
    expect(env.APP_SETTING).toBe('kept');
    // Nothing the project's environment names is reached: every signal goes to the closed port.
    expect(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).toBeUndefined();
    const port = Number(/^http:\/\/127\.0\.0\.1:(\d+)$/.exec(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '')?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(await refused(port)).toBe(true);
    expect(Number(env.OTEL_EXPORTER_OTLP_TIMEOUT)).toBeLessThanOrEqual(1);
  });
});

const outcome = (exitCode: number, passed: string[], output = ''): TestOutcome => ({
  results: new Map(passed.map((id) => [id, true])),
  errors: new Map(),
  exitCode,
  output,
});

describe('compareOutcomes', () => {
  it('a suite that exits 0 before and 1 after is broken even when every test still passes', () => {
    const tail = 'FAIL Required test coverage of 100% not reached. Total coverage: 91.30%';
    const verdict = compareOutcomes(
      outcome(0, ['tests/test_app.py::test_a']),
      outcome(1, ['tests/test_app.py::test_a'], `${tail}\n4 passed in 0.2s\nFailed to export traces to 127.0.0.1:9\n`),
    );
    expect(verdict.regressions).toEqual([]);
    expect(verdict.exitStatus).toEqual({ before: 0, after: 1, detail: tail });
  });
  it('the same exit status before and after is no regression', () => {
    expect(compareOutcomes(outcome(1, []), outcome(1, [])).exitStatus).toBeUndefined();
    expect(compareOutcomes(outcome(0, ['a']), outcome(0, ['a']))).toEqual({ regressions: [] });
  });
});

it('a failure message keeps its line breaks (pytest writes them as &#10;)', () => {
  const xml =
    '<testcase classname="t" name="a"><failure message="assert [3] == [2]&#10;  At index 0">x</failure></testcase>';
  expect(parseJunit(xml).errors.get('t::a')).toBe('assert [3] == [2]   At index 0');
});

it("a collection error gives the exception pytest printed, not its generic 'collection failure'", () => {
  const xml =
    '<testcase classname="" name="tests"><error message="collection failure">tests.py:1: in &lt;module&gt;\n' +
    '    from shop.client import Client\nE   RuntimeError: the client needs the httpx package\n' +
    'E   Install it with pip</error></testcase>';
  expect(parseJunit(xml).errors.get('tests')).toBe('RuntimeError: the client needs the httpx package');
});

it('a self-closing failure element still marks its test failed', () => {
  const xml = '<testcase classname="t" name="a"><failure message="boom" /></testcase>';
  expect(parseJunit(xml).results.get('t::a')).toBe(false);
  expect(parseJunit(xml).errors.get('t::a')).toBe('boom');
});
