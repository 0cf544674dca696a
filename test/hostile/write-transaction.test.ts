/**
 * Every command's write phase is all-or-nothing, even for a signal that lands between two of its file
 * operations: SIGTERM and SIGKILL are sent at each change the command makes to the project (counted by a
 * preloaded hook, so the kill points are exact, not timed). After the kill the project is as before, as
 * after, or holds a pending write that the next run finishes first; after a rerun it is exactly as after.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { changedFiles, FIXTURES, git, removeScratch, snapshot, tempDir } from '../support/add-tracing.js';
import { CLI, REPO_ROOT } from '../support/helpers.js';

const PRELOAD = path.join(REPO_ROOT, 'test', 'hostile', 'fixtures', 'kill-at-write.mjs');
const LOCK = '.create-traced-service.writing';
// Kill points per command, spread evenly over its changes: SIGKILL can stop it between any two of them;
// SIGTERM is held off by the synchronous moves, so fewer of its points tell as much. (The sweep takes about
// a minute in all on two cores: each point costs a killed run and a rerun.)
const POINTS = { SIGKILL: 14, SIGTERM: 6 } as const;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', PRELOAD, CLI, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', CI: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.on('exit', (code, signal) => resolve({ code, signal, output }));
  });
}

/** The project's files (bytes and modes), .git aside; compared by the files that differ, to keep messages short. */
const picture = (dir: string) => snapshot(dir);
/** What a write keeps in the project while it runs: its lock folder, or the folder that claims it. */
const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.startsWith(LOCK));
const differ = (a: Map<string, string>, b: Map<string, string>) => changedFiles(a, b);

/** `count` kill points spread evenly over 1..total. */
function spread(total: number, count: number): number[] {
  if (total <= count) return Array.from({ length: total }, (_, i) => i + 1);
  return [...new Set(Array.from({ length: count }, (_, i) => 1 + Math.round((i * (total - 1)) / (count - 1))))];
}

async function inPairs<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all([worker(), worker()]);
}

interface Case {
  name: string;
  /** A committed project in `base`, as the user has it before the command. */
  make(base: string): string;
  args(dir: string): string[];
  /** What a run on the finished project says. */
  nothingToDo: RegExp;
}

async function sweep(c: Case): Promise<void> {
  const base = tempDir('cts-txn-');
  const template = c.make(base);
  const before = picture(template);
  // Each copy keeps the project's folder name: the service name recorded in the answers file comes from it.
  const copy = (name: string) => {
    const dir = path.join(base, name, path.basename(template));
    cpSync(template, dir, { recursive: true, verbatimSymlinks: true });
    return dir;
  };
  const reference = copy('reference');
  const countFile = path.join(base, 'count');
  const full = await run(c.args(reference), base, { CTS_KILL_ROOT: reference, CTS_KILL_COUNT: countFile });
  expect(full.code, full.output).toBe(0);
  const after = picture(reference);
  expect(differ(before, after).length).toBeGreaterThan(1);
  const total = Number(readFileSync(countFile, 'utf8'));
  expect(total).toBeGreaterThan(3);

  const points = (['SIGKILL', 'SIGTERM'] as const).flatMap((signal) =>
    spread(total, POINTS[signal]).map((at) => ({ at, signal })),
  );
  const outcomes: string[] = [];
  await inPairs(points, async ({ at, signal }) => {
    const dir = copy(`${signal}-${at}`);
    const killed = await run(c.args(dir), base, {
      CTS_KILL_ROOT: dir,
      CTS_KILL_AT: String(at),
      CTS_KILL_SIGNAL: signal,
    });
    const now = picture(dir);
    const fromBefore = differ(before, now);
    const fromAfter = differ(after, now);
    const state =
      fromBefore.length === 0
        ? 'before'
        : fromAfter.length === 0
          ? 'after'
          : leftovers(dir).length > 0
            ? 'pending'
            : `MIXED (differs from before in ${fromBefore.join(', ')}; from after in ${fromAfter.join(', ')})`;
    const where = `${c.name}: ${signal} at change ${at} of ${total}`;
    outcomes.push(`${signal}@${at}:${state}`);
    expect(state, `${where}\n${killed.output}`).not.toMatch(/^MIXED/);
    if (signal === 'SIGTERM') expect([0, 143], `${where}\n${killed.output}`).toContain(killed.code);

    // The rerun finishes (or redoes) the write before anything else, and ends exactly as after.
    const again = await run(c.args(dir), base);
    expect(again.code, `${where}, rerun:\n${again.output}`).toBe(0);
    expect(differ(after, picture(dir)), `${where}, rerun:\n${again.output}`).toEqual([]);
    expect(leftovers(dir), where).toEqual([]);
    if (state === 'after') expect(again.output, where).toMatch(c.nothingToDo);
    rmSync(path.dirname(dir), { recursive: true, force: true });
  });
  // The kill points really fell on both sides of the write.
  expect(
    outcomes.some((o) => o.endsWith(':before')),
    outcomes.join(' '),
  ).toBe(true);
  expect(
    outcomes.some((o) => !o.endsWith(':before')),
    outcomes.join(' '),
  ).toBe(true);
}

afterAll(removeScratch, 60_000);

const cli = (args: string[], cwd: string) =>
  execFileSync(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, CI: 'true' }, stdio: 'pipe' });

function commit(dir: string): string {
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'mine');
  return dir;
}

describe('a signal at any moment of the write', () => {
  it('upgrade leaves the project before or after, never half-upgraded', async () => {
    await sweep({
      name: 'upgrade',
      make(base) {
        cli(['svc', '--yes', '--no-install', '--otel-version', '1.42'], base);
        return commit(path.join(base, 'svc'));
      },
      args: (dir) => ['upgrade', dir, '--yes', '--no-install'],
      nothingToDo: /Nothing to upgrade/,
    });
  }, 90_000);

  it('add-tracing leaves the app, its pins and the answers file all traced or all as before', async () => {
    await sweep({
      name: 'add-tracing',
      make: (base) => {
        const dir = path.join(base, 'app');
        cpSync(path.join(FIXTURES, 'package-main'), dir, { recursive: true });
        return commit(dir);
      },
      args: (dir) => ['add-tracing', dir, '--yes', '--no-install'],
      nothingToDo: /Nothing to change/,
    });
  }, 120_000);

  it('create --force into a project replaces all of its files or none', async () => {
    await sweep({
      name: 'create --force',
      make: (base) => {
        const dir = path.join(base, 'mine');
        mkdirSync(path.join(dir, 'app'), { recursive: true });
        writeFileSync(path.join(dir, 'README.md'), 'my readme\n');
        writeFileSync(path.join(dir, 'app', 'main.py'), 'print("mine")\n');
        return commit(dir);
      },
      args: (dir) => [dir, '--force', '--yes', '--no-install', '--service-name', 'svc'],
      nothingToDo: /./,
    });
  }, 90_000);
});
