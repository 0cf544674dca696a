/**
 * Abnormal exits with something running: a terminal closing (SIGHUP), Ctrl-C (SIGINT) or SIGTERM during
 * the smoke test must stop the service's whole process group; Ctrl-C during the install must stop the
 * installer gracefully and leave no venv and no temporary files behind.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, runCli, scratchDir } from '../support/helpers.js';
import { descendants, groupAlive, startSession, waitFor, within } from './processes.js';

const { CACHE_DIR_NAME } = createRequire(import.meta.url)(path.join(REPO_ROOT, 'bin', 'code-cache.cjs')) as {
  CACHE_DIR_NAME: string;
};

const UV_DIR = path.join(os.homedir(), '.cache', 'create-traced-service-ci', 'bin');
const PATH = existsSync(UV_DIR) ? `${UV_DIR}${path.delimiter}${process.env.PATH}` : process.env.PATH;
const EXIT_BY_SIGNAL = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

describe('signals during the smoke test stop the service', () => {
  let root = '';
  beforeAll(async () => {
    root = scratchDir('cts-sigsmoke-');
    const r = await runCli(['svc', '--yes', '--no-smoke'], { cwd: root, env: { PATH }, timeoutMs: 570_000 });
    expect(r.code, r.stderr).toBe(0);
  }, 600_000);

  it.each(Object.keys(EXIT_BY_SIGNAL) as (keyof typeof EXIT_BY_SIGNAL)[])(
    "%s to the terminal's process group",
    async (signal) => {
      const session = startSession(['smoke', 'svc'], { cwd: root, env: { PATH } });
      // The service runs in a process group of its own, below the CLI.
      const service = await waitFor(
        'the service to start',
        () => descendants(session.pid).find((p) => p.pgid !== session.pid && /uvicorn/.test(p.cmdline)),
        30_000,
      );
      // A random moment while it starts, serves or exports (a whole smoke run can take ~1 s on a quiet machine).
      await new Promise((r) => setTimeout(r, Math.random() * 400));
      process.kill(-session.pid, signal);
      const exit = await within(session.exited, 20_000, `the CLI after ${signal}`);
      expect(exit.code, session.output()).toBe(EXIT_BY_SIGNAL[signal]);
      await waitFor(`the service group ${service.pgid} to be gone`, () => !groupAlive(service.pgid), 3000);
    },
    90_000,
  );

  it('an uncaught error in the CLI', async () => {
    const inject = pathToFileURL(path.join(REPO_ROOT, 'test', 'hostile', 'fixtures', 'fail-on-usr2.mjs')).href;
    const session = startSession(['smoke', 'svc'], { cwd: root, env: { PATH, NODE_OPTIONS: `--import ${inject}` } });
    const service = await waitFor(
      'the service to start',
      () => descendants(session.pid).find((p) => p.pgid !== session.pid && /uvicorn/.test(p.cmdline)),
      30_000,
    );
    await new Promise((r) => setTimeout(r, Math.random() * 400));
    process.kill(session.pid, 'SIGUSR2');
    const exit = await within(session.exited, 20_000, 'the CLI after an uncaught error');
    expect(exit.code, session.output()).toBe(1);
    expect(session.output()).toContain('injected failure');
    await waitFor(`the service group ${service.pgid} to be gone`, () => !groupAlive(service.pgid), 3000);
  }, 90_000);
});

describe('Ctrl-C during the install', () => {
  // To the whole group, as a terminal sends Ctrl-C; or to the CLI alone, as `kill -INT` or a supervisor does.
  it.each(['group', 'cli'])(
    'SIGINT to the %s: stops the installer, removes the new venv and its temporary files, keeps the project',
    async (to) => {
      const root = scratchDir('cts-siginstall-');
      const tmp = path.join(root, 'tmp');
      mkdirSync(tmp);
      // pip (not uv) so that the install takes long enough to be interrupted in the middle.
      const session = startSession(['svc', '--yes', '--no-smoke'], {
        cwd: root,
        env: { PATH, TMPDIR: tmp, CTS_INSTALLER: 'pip' },
      });
      const venv = path.join(root, 'svc', '.venv');
      await waitFor(
        'pip to be installing',
        () => descendants(session.pid).find((p) => / -m pip install /.test(p.cmdline)),
        120_000,
      );
      // In the middle of it: pip has unpacked a good number of packages into temporary folders.
      const tempEntries = () => readdirSync(tmp, { recursive: true }).length;
      await waitFor('pip to be busy', () => tempEntries() >= 8, 120_000);
      await new Promise((r) => setTimeout(r, Math.random() * 1000));
      const installer = descendants(session.pid);
      process.kill(to === 'group' ? -session.pid : session.pid, 'SIGINT');
      const exit = await within(session.exited, 30_000, 'the CLI after Ctrl-C');
      expect(exit.code, session.output()).toBe(130);
      expect(session.output()).toMatch(/cancelled/);
      expect(session.output()).not.toMatch(/Install failed/);
      expect(existsSync(venv), 'the half-built .venv').toBe(false);
      // The CLI's code cache stays (it is meant to); nothing else, and no half-written cache file.
      expect(
        readdirSync(tmp).filter((e) => e !== CACHE_DIR_NAME),
        'temporary files',
      ).toEqual([]);
      const cache = path.join(tmp, CACHE_DIR_NAME);
      const cacheFiles = existsSync(cache) ? readdirSync(cache, { recursive: true }).map(String) : [];
      expect(cacheFiles.filter((f) => f.endsWith('.tmp'))).toEqual([]);
      expect(existsSync(path.join(root, 'svc', 'app', 'main.py'))).toBe(true);
      for (const p of installer)
        await waitFor(
          `process ${p.pid} (${p.cmdline}) to be gone`,
          () => !groupAlive(p.pgid) || !existsSync(`/proc/${p.pid}`),
          3000,
        );
    },
    180_000,
  );
});
