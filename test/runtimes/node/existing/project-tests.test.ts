/** The Node service's test script: its environment (tracing on after the change), a hung suite ended. */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Ui } from '../../../../src/core/ui.js';
import type { ServiceNode } from '../../../../src/runtimes/node/env.js';
import {
  nodeProjectTestsStep,
  nodeSuiteEnvironment,
  runNodeSuite,
  testScript,
} from '../../../../src/runtimes/node/existing/project-tests.js';
import type { NodeProject } from '../../../../src/runtimes/node/existing/project.js';

const withScripts = (scripts: Record<string, string>) =>
  ({ packageJson: { text: '', data: { scripts } } }) as unknown as NodeProject;

describe('testScript', () => {
  it("is the test script, unless it is npm init's placeholder", () => {
    expect(testScript(withScripts({ test: 'node --test' }))).toBe('node --test');
    expect(testScript(withScripts({ test: 'echo "Error: no test specified" && exit 1' }))).toBeUndefined();
    expect(testScript(withScripts({ start: 'node server.js' }))).toBeUndefined();
  });
});

describe('nodeSuiteEnvironment', () => {
  it('preloads the bootstrap after the change only, beside NODE_OPTIONS of its own, with a timeout in ms', async () => {
    const base = { NODE_OPTIONS: '--max-old-space-size=512', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com' };
    const after = await nodeSuiteEnvironment(base, '/srv/my app/telemetry.mjs');
    expect(after.NODE_OPTIONS).toBe('--max-old-space-size=512 --import file:///srv/my%20app/telemetry.mjs');
    expect(after.OTEL_EXPORTER_OTLP_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(after.OTEL_EXPORTER_OTLP_TIMEOUT).toBe('1000');
    expect((await nodeSuiteEnvironment(base, undefined)).NODE_OPTIONS).toBe('--max-old-space-size=512');
  });
});

describe('runNodeSuite', () => {
  it('a suite that does not end is stopped at the timeout with what it started, and says so', async () => {
    const runner = {
      file: 'sh',
      prefix: ['-c', 'sleep 60 & echo "child $!"; echo "ok 1 - quick"; wait'],
      display: 'sh',
    };
    const started = Date.now();
    const out = await runNodeSuite(runner, process.cwd(), { PATH: process.env.PATH ?? '' }, 1000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(out.note).toMatch(/timed out after 1s/);
    expect(out.exitCode).not.toBe(0);
    expect(out.results.get('quick')).toBe(true);
    const child = Number(/child (\d+)/.exec(out.output)?.[1]);
    // Gone, or a zombie waiting for init to reap it: not running.
    const state = existsSync(`/proc/${child}/stat`)
      ? readFileSync(`/proc/${child}/stat`, 'utf8').split(' ')[2]
      : 'gone';
    expect(['gone', 'Z']).toContain(state);
  });
});

describe('nodeProjectTestsStep', () => {
  it("says the project's tests were not run when the test script is npm init's placeholder", async () => {
    const project = withScripts({ test: 'echo "Error: no test specified" && exit 1' });
    const ui = { step: () => Promise.reject(new Error('no step expected')) } as unknown as Ui;
    const report = await nodeProjectTestsStep('/nowhere', project, [], {} as ServiceNode, ui);
    expect(report).toMatchObject({ ran: false, regressions: [] });
    expect(report.note).toMatch(/no test script.*not run/);
  });
});
