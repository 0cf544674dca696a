/**
 * FIFOs, devices and directories where a project file is expected: each is refused at once with one line
 * naming it (exit 2, nothing written), never opened in a way that blocks; and a signal always ends the CLI,
 * even while a read is stuck in the thread pool.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, scratchDir } from '../support/helpers.js';
import { startSession, within } from './processes.js';
import { picture } from './tree.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');

function copyFixture(rel: string): string {
  const dir = path.join(scratchDir('cts-special-'), 'svc');
  cpSync(path.join(FIXTURES, rel), dir, { recursive: true });
  return dir;
}

function fifo(file: string): void {
  rmSync(file, { force: true, recursive: true });
  execFileSync('mkfifo', [file]);
}

/** Runs the CLI, which must answer well before the test's own timeout (a hang fails it). */
async function refused(args: string[], cwd: string, name: RegExp) {
  const before = picture(cwd);
  const r = await runCli(args, { cwd, timeoutMs: 20_000 });
  const lines = r.stderr.trim().split('\n');
  expect(lines.at(-1), r.stderr).toMatch(name);
  expect(r.stderr.match(/^error:/gm), r.stderr).toHaveLength(1);
  expect(r.code, r.stderr).toBe(2);
  expect(picture(cwd)).toEqual(before);
}

describe('special files in a repository under add-tracing', () => {
  it('a FIFO as pyproject.toml', async () => {
    const dir = copyFixture('existing/single-file');
    fifo(path.join(dir, 'pyproject.toml'));
    await refused(
      ['add-tracing', '--dry-run', '.'],
      dir,
      /^error: .*pyproject\.toml: is a FIFO \(named pipe\), not a regular file$/,
    );
  }, 30_000);

  it('a FIFO as the Dockerfile of a Node service', async () => {
    const dir = copyFixture('existing-node/express-cjs');
    fifo(path.join(dir, 'Dockerfile'));
    await refused(
      ['add-tracing', '--dry-run', '.'],
      dir,
      /^error: .*Dockerfile: is a FIFO \(named pipe\), not a regular file$/,
    );
  }, 30_000);

  it('a FIFO as the answers file', async () => {
    const dir = copyFixture('existing/single-file');
    fifo(path.join(dir, '.create-traced-service.json'));
    await refused(['add-tracing', '--dry-run', '.'], dir, /\.create-traced-service\.json: is a FIFO/);
  }, 30_000);
});

describe('special files in a generated project', () => {
  let project = '';
  beforeAll(async () => {
    project = path.join(scratchDir('cts-special-gen-'), 'svc');
    const r = await runCli([project, '--yes', '--no-install', '--service-name', 'svc']);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  const copy = () => {
    const dir = path.join(scratchDir('cts-special-'), 'svc');
    cpSync(project, dir, { recursive: true });
    return dir;
  };

  it('doctor: a FIFO as the answers file', async () => {
    const dir = copy();
    fifo(path.join(dir, '.create-traced-service.json'));
    await refused(['doctor', '.'], dir, /\.create-traced-service\.json: is a FIFO/);
  }, 30_000);

  it('doctor: a FIFO as a recorded generated file', async () => {
    const dir = copy();
    fifo(path.join(dir, 'app', 'telemetry.py'));
    await refused(['doctor', '.'], dir, /app\/telemetry\.py: is a FIFO/);
  }, 30_000);

  it('upgrade --dry-run: a FIFO as the generated README', async () => {
    const dir = copy();
    fifo(path.join(dir, 'README.md'));
    await refused(['upgrade', '--dry-run', '.'], dir, /README\.md: is a FIFO/);
  }, 30_000);

  it('upgrade --dry-run: a directory where a generated file was', async () => {
    const dir = copy();
    rmSync(path.join(dir, 'README.md'));
    mkdirSync(path.join(dir, 'README.md'));
    writeFileSync(path.join(dir, 'README.md', 'x'), 'x');
    await refused(['upgrade', '--dry-run', '.'], dir, /README\.md: is a directory, not a regular file$/);
  }, 30_000);

  it('--config naming a FIFO', async () => {
    const dir = scratchDir('cts-special-');
    fifo(path.join(dir, 'c.json'));
    await refused(['svc', '--config', 'c.json', '--yes', '--no-install'], dir, /c\.json: is a FIFO/);
  }, 30_000);
});

describe('a signal always ends the CLI', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    '%s while a read is stuck in the thread pool',
    async (signal, code) => {
      // add-tracing --dry-run waits on the Python analysis, so the signal lands while the run is under way
      // on any Node (a scaffold can finish before a signal sent during it is even handled).
      const dir = copyFixture('existing/flask-single');
      fifo(path.join(dir, 'stuck'));
      // Loaded into the CLI: a read of a FIFO nobody writes (it holds a thread-pool thread forever), and the
      // signal, sent once the CLI listens for it.
      const inject = path.join(dir, 'stuck.mjs');
      writeFileSync(
        inject,
        [
          "import { readFile } from 'node:fs';",
          `readFile(${JSON.stringify(path.join(dir, 'stuck'))}, () => {});`,
          `process.on('newListener', (event) => { if (event === '${signal}') setImmediate(() => process.kill(process.pid, '${signal}')); });`,
        ].join('\n'),
      );
      const session = startSession(['add-tracing', '.', '--dry-run'], {
        cwd: dir,
        env: { NODE_OPTIONS: `--import ${pathToFileURL(inject).href}` },
      });
      const exit = await within(session.exited, 10_000, `the CLI after ${signal}`).catch((error: unknown) => {
        process.kill(session.pid, 'SIGKILL');
        throw error;
      });
      expect(session.output()).toContain('cancelled');
      // Ended by its exit code, or (when a clean exit would wait for the stuck thread) by the signal itself,
      // which a shell reports as the same 128 + n.
      expect(exit.code ?? (exit.signal === signal ? code : exit.signal), session.output()).toBe(code);
    },
    30_000,
  );
});
