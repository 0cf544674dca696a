/**
 * FastAPI (the default framework) end to end, once per exporter: generate, install from the package index,
 * run the generated project's own tests, start it, and check its spans. Then break a generated project on
 * purpose in each of the ways the guide warns about, and check the smoke test fails with the right
 * diagnosis (the suite and FastAPI's row are in test/support/python-suite.ts); then Ctrl-C during the smoke
 * test, and the worked examples.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectPytest } from '../support/harness.js';
import { CLI, runCli } from '../support/helpers.js';
import { pythonFrameworkSuite } from '../support/python-suite.js';

const { root, projects } = pythonFrameworkSuite('fastapi');

describe('interrupting the smoke test', () => {
  it('Ctrl-C while the service runs: exit 130, no process left behind', async () => {
    const dir = projects['otlp-grpc']!;
    const uvicorn = path.join(dir, '.venv', 'bin', 'uvicorn');
    const running = () => spawnSync('pgrep', ['-f', uvicorn], { encoding: 'utf8' }).stdout.trim();
    expect(running()).toBe('');
    const child = spawn(process.execPath, [CLI, 'smoke', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (running() === '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(running(), output).not.toBe('');
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(output).toContain('cancelled');
    // The service's whole process group went with it.
    await new Promise((r) => setTimeout(r, 300));
    expect(running()).toBe('');
  });
});

describe('--examples', () => {
  it("the worked examples' own tests pass, with the app that mounts them", async () => {
    const lean = projects['otlp-grpc'];
    if (!lean || !existsSync(path.join(lean, '.venv'))) throw new Error('the gRPC project was not generated');
    const r = await runCli(['with-examples', '--yes', '--no-install', '--examples'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const dir = path.join(root, 'with-examples');
    // The examples add no dependency: the lean project's environment runs them.
    expect(readFileSync(path.join(dir, 'requirements.txt'), 'utf8')).toBe(
      readFileSync(path.join(lean, 'requirements.txt'), 'utf8'),
    );
    symlinkSync(path.join(lean, '.venv'), path.join(dir, '.venv'));
    const out = projectPytest(dir, 120_000);
    expect(out).not.toMatch(/failed|error/i);
    const passed = (text: string) => Number(/(\d+) passed/.exec(text)?.[1] ?? 0);
    // The same suite as the lean project's, plus the examples' tests.
    expect(passed(out)).toBeGreaterThan(passed(projectPytest(lean, 120_000)));
  });
});
