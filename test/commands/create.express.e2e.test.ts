/**
 * Express end to end: the Node suite (test/support/node-suite.ts), plus the console exporter and an interrupted
 * npm install, which every Node framework shares and Express stands in for.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/helpers.js';
import { nodeFrameworkSuite } from '../support/node-suite.js';

const { root, projects, generate } = nodeFrameworkSuite({
  framework: 'express',
  displayName: 'Express',
  serverSpan: 'GET /process/:itemId',
});

describe('generated Express service, console exporter', () => {
  it('passes every smoke check with spans printed as JSON lines', async () => {
    const consoleRun = await generate('console');
    const report = consoleRun.result.pipeline?.smoke;
    expect(
      report.checks.filter((c) => !c.ok),
      consoleRun.stderr,
    ).toEqual([]);
    expect(consoleRun.code).toBe(0);
  });
});

describe('--examples', () => {
  it("the worked examples' own tests pass, with the app that serves them", async () => {
    const lean = projects['otlp-grpc'];
    expect(lean, 'the gRPC project of the suite above').toBeDefined();
    const r = await runCli(['with-examples', '--framework', 'express', '--yes', '--no-install', '--examples'], {
      cwd: root,
    });
    expect(r.code, r.stderr).toBe(0);
    const dir = path.join(root, 'with-examples');
    // The examples add no dependency: the lean project's install runs them.
    symlinkSync(path.join(lean!, 'node_modules'), path.join(dir, 'node_modules'));
    const node = process.env.CTS_NODE!;
    const out = execFileSync('npm', ['test'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}` },
      timeout: 120_000,
    });
    expect(out).toMatch(/ℹ fail 0/);
    // More tests than the lean project's suite: the examples' own.
    const leanOut = execFileSync('npm', ['test'], {
      cwd: lean!,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}` },
      timeout: 120_000,
    });
    const passed = (text: string) => Number(/ℹ pass (\d+)/.exec(text)?.[1] ?? 0);
    expect(passed(out)).toBeGreaterThan(passed(leanOut));
  });
});

describe('interrupting the npm install', () => {
  it('Ctrl-C while npm installs: exit 130, the project kept, no node_modules or lockfile left', async () => {
    const dir = path.join(root, 'interrupted');
    const child = spawn(process.execPath, [CLI, dir, '--framework', 'express', '--yes'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!existsSync(path.join(dir, 'node_modules')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(existsSync(path.join(dir, 'node_modules')), output).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(output).toContain('cancelled');
    expect(existsSync(path.join(dir, 'package.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'node_modules'))).toBe(false);
    expect(existsSync(path.join(dir, 'package-lock.json'))).toBe(false);
  });
});
