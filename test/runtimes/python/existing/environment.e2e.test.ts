/**
 * add-tracing and the project's own environment, end to end: its lock file re-locked with its own tool,
 * the OpenTelemetry set chosen for its lowest Python, the venv built with the Python it pins, and the
 * settings it needs to import read from an env file.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../support/helpers.js';
import {
  addTracing,
  changedFiles,
  committedCopy,
  E2E_ENV,
  git,
  jsonOf,
  removeScratch,
  snapshot,
} from '../../../support/add-tracing.js';

afterAll(removeScratch);
// Each case installs a project and runs its smoke test up to three times.
vi.setConfig({ testTimeout: 300_000 });

const POETRY_BIN = process.env.CTS_TEST_POETRY_BIN ?? '';
const withDir = (dir: string) => `${dir}${path.delimiter}${E2E_ENV.PATH}`;
// test/setup/tools.ts puts uv on PATH and installs Poetry and the formatters into the user's cache.
const UV_PATH = E2E_ENV.PATH!;

function failureText(r: { stdout: string; stderr: string }): string {
  try {
    const j = JSON.parse(r.stdout);
    return `${JSON.stringify(
      (j.pipeline?.smoke?.checks ?? []).filter((c: { ok: boolean }) => !c.ok),
      null,
      2,
    )}\n${j.pipeline?.smoke?.serviceOutput ?? ''}\n${r.stderr}`;
  } catch {
    return `${r.stdout}\n${r.stderr}`;
  }
}

/** The common contract: dry run writes nothing, the run passes, the second run is a no-op, doctor is clean. */
async function traceTwice(dir: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<Record<string, any>> {
  const pristine = snapshot(dir);
  const dry = await addTracing(dir, ['--dry-run', '--json', ...args], env);
  expect(dry.code, dry.stderr).toBe(0);
  expect(changedFiles(pristine, snapshot(dir))).toEqual([]);
  const run = await addTracing(dir, ['--yes', '--json', ...args], env);
  expect(run.code, failureText(run)).toBe(0);
  const result = jsonOf(run);
  expect(result.pipeline.smoke.ok).toBe(true);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'traced');
  const traced = snapshot(dir);
  const again = await addTracing(dir, ['--yes', '--json', ...args], env);
  expect(again.code, failureText(again)).toBe(0);
  expect(jsonOf(again)).toMatchObject({ changed: false, written: [] });
  expect(changedFiles(traced, snapshot(dir))).toEqual([]);
  expect(git(dir, 'status', '--porcelain')).toBe('');
  const doctor = await runCli(['doctor', dir, '--json'], { env: { ...E2E_ENV, ...env } });
  expect(doctor.code, doctor.stdout).toBe(0);
  return result;
}

describe('uv project with uv.lock (its image runs `uv sync --frozen`)', () => {
  it('re-locks with uv lock, keeps FastAPI where the lock has it, and the lock checks fresh', async () => {
    const dir = committedCopy('uv-lock');
    const lockedFastapi = /name = "fastapi"\nversion = "([^"]+)"/.exec(
      readFileSync(path.join(dir, 'uv.lock'), 'utf8'),
    )![1];
    const result = await traceTwice(dir, { PATH: UV_PATH });
    expect(result.written).toContain('uv.lock');
    expect(result.locks[0]).toMatchObject({ outcome: 'relocked' });
    expect(result.locks[0].diff.added.join(' ')).toContain('opentelemetry-sdk 1.45.2');
    expect(result.locks[0].diff.changed.filter((c: string) => c.startsWith('fastapi'))).toEqual([]);
    expect(result.environment.otelVersion).toBe('1.45');
    execFileSync('uv', ['lock', '--check'], {
      cwd: dir,
      env: { ...process.env, PATH: UV_PATH, UV_PYTHON_DOWNLOADS: 'never' },
    });
    expect(/name = "fastapi"\nversion = "([^"]+)"/.exec(readFileSync(path.join(dir, 'uv.lock'), 'utf8'))![1]).toBe(
      lockedFastapi,
    );
  });
});

describe('lock tool missing', () => {
  it('prints the command to run, and doctor reports the stale lock (exit 1)', async () => {
    const dir = committedCopy('poetry-lock');
    const run = await addTracing(dir, ['--yes', '--json', '--no-install']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/poetry\.lock is stale and poetry is not on PATH: run `poetry lock`/);
    const doctor = await runCli(['doctor', dir, '--json'], { env: E2E_ENV });
    expect(doctor.code).toBe(1);
    expect(jsonOf(doctor).findings.find((f: { code: string }) => f.code === 'stale-lock')).toMatchObject({
      where: 'poetry.lock',
    });
  });
});

describe('Poetry project with poetry.lock and python = "^3.9"', () => {
  it('gets the newest set that installs on Python 3.9, re-locked with poetry lock', async () => {
    const dir = committedCopy('poetry-lock');
    const result = await traceTwice(dir, { PATH: withDir(POETRY_BIN) });
    expect(result.environment.otelVersion).toBe('1.39');
    expect(result.environment.reason).toMatch(/lowest declared Python 3\.9/);
    expect(result.locks[0]).toMatchObject({ outcome: 'relocked' });
    expect(readFileSync(path.join(dir, 'pyproject.toml'), 'utf8')).toContain('opentelemetry-sdk = "1.39.1"');
    execFileSync(path.join(POETRY_BIN, 'poetry'), ['check', '--lock'], { cwd: dir });
  });
});

describe('a project that pins Python 3.13 in .python-version', () => {
  it('builds the smoke-test venv with 3.13', async () => {
    const dir = committedCopy('python313');
    const result = await traceTwice(dir, {});
    expect(result.environment.python).toMatch(/^3\.13\./);
    // Its own tests ran before and after the change, in the 3.13 venv, and still pass.
    expect(result.projectTests).toMatchObject({
      ran: true,
      before: { passed: 2, failed: 0 },
      after: { passed: 2, failed: 0 },
      regressions: [],
    });
    expect(readFileSync(path.join(dir, '.venv', 'pyvenv.cfg'), 'utf8')).toMatch(/^version(_info)? = 3\.13\./m);
    // `smoke` later uses the same interpreter (it does not rebuild the venv with another Python).
    const smoke = await runCli(['smoke', dir, '--json'], { env: E2E_ENV, timeoutMs: 240_000 });
    expect(smoke.code, smoke.stderr).toBe(0);
    expect(readFileSync(path.join(dir, '.venv', 'pyvenv.cfg'), 'utf8')).toMatch(/^version(_info)? = 3\.13\./m);
  });
  it('when 3.13 is not installed: exit 2 naming the version and how to get it, nothing changed', async () => {
    const dir = committedCopy('python313', (d) => writeFileSync(path.join(d, '.python-version'), '3.19\n'));
    const before = snapshot(dir);
    const run = await addTracing(dir, ['--yes']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/needs Python 3\.19.*pyenv install 3\.19.*uv python install 3\.19/);
    expect(changedFiles(before, snapshot(dir))).toEqual([]);
  });
});

describe('an app whose settings come from the environment', () => {
  it('--env-file feeds route discovery and the smoke run', async () => {
    const dir = committedCopy('settings-env');
    const result = await traceTwice(dir, {}, ['--env-file', path.join(dir, '.env.example')]);
    expect(result.route).toEqual({ template: '/status', path: '/status' });
  });
  it('without it, the real error names the missing settings and no route is recorded', async () => {
    const dir = committedCopy('settings-env');
    const run = await addTracing(dir, ['--yes']);
    expect(run.code).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/it needs DATABASE_URL, API_TOKEN set/);
    const answers = JSON.parse(readFileSync(path.join(dir, '.create-traced-service.json'), 'utf8'));
    expect(answers.existing.route).toBeUndefined();
  });
});

const FORMATTERS_BIN = process.env.CTS_TEST_FORMATTERS_BIN ?? '';

describe('projects gated by their formatters', () => {
  const gate = (dir: string, argv: string[]) =>
    execFileSync(path.join(FORMATTERS_BIN, argv[0]!), argv.slice(1), { cwd: dir, encoding: 'utf8' });
  it('black + isort: the written files pass black --check and isort --check-only', async () => {
    const dir = committedCopy('black-isort');
    const result = await traceTwice(dir, { PATH: withDir(FORMATTERS_BIN) });
    expect(result.formatters.map((f: { formatter: string; outcome: string }) => `${f.formatter}:${f.outcome}`)).toEqual(
      ['isort:passed', 'black:passed'],
    );
    gate(dir, ['black', '--check', '.']);
    gate(dir, ['isort', '--check-only', '.']);
  });
  it('ruff: the written files pass ruff format --check and ruff check', async () => {
    const dir = committedCopy('ruff-format');
    const result = await traceTwice(dir, { PATH: withDir(FORMATTERS_BIN) });
    expect(result.formatters.map((f: { formatter: string; outcome: string }) => `${f.formatter}:${f.outcome}`)).toEqual(
      ['ruff-isort:passed', 'ruff-format:passed'],
    );
    gate(dir, ['ruff', 'format', '--check', '.']);
    gate(dir, ['ruff', 'check', '--select', 'I', '.']);
  });
});
