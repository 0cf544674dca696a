/** Helpers for the add-tracing end-to-end tests: git-committed copies of the fixtures, tree snapshots. */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, runCli, scratchDir, type CliResult } from './helpers.js';

export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'existing');

/** uv makes the installs fast; CI puts it on PATH, and this machine keeps one in /tmp/uvtools. */
// In the network tier, test/setup/tools.ts has put uv on PATH.
export const E2E_ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH, CI: 'true' };

export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.email=test@example.com', '-c', 'user.name=test', '-c', 'commit.gpgsign=false', ...args],
    { cwd, encoding: 'utf8' },
  );
}

const scratch: string[] = [];

/** A scratch directory removed by removeScratch() (projects here get a .venv each). */
export function tempDir(prefix = 'cts-e2e-'): string {
  const dir = scratchDir(prefix);
  scratch.push(dir);
  return dir;
}

/** For afterAll: removes every directory made by tempDir() / committedCopy() (read-only files included). */
export function removeScratch(): void {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A copy of a fixture (or of nothing) in a fresh git repository with everything committed. */
export function committedCopy(name: string | null, edit?: (dir: string) => void): string {
  const dir = path.join(tempDir(), name ?? 'project');
  if (name) cpSync(path.join(FIXTURES, name), dir, { recursive: true, verbatimSymlinks: true });
  else execFileSync('mkdir', ['-p', dir]);
  edit?.(dir);
  git(dir, 'init', '-q');
  // The venv the smoke test creates is not the project's business.
  execFileSync('sh', ['-c', 'echo .venv/ >> .git/info/exclude'], { cwd: dir });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'initial', '--allow-empty');
  return dir;
}

/** Every file (bytes and mode) below dir, except .git, .venv and caches. */
export function snapshot(dir: string, rel = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    if (['.git', '.venv', '__pycache__'].includes(name)) continue;
    const child = rel ? `${rel}/${name}` : name;
    const s = statSync(path.join(dir, child));
    if (s.isDirectory()) for (const [k, v] of snapshot(dir, child)) out.set(k, v);
    else out.set(child, `${(s.mode & 0o777).toString(8)}:${readFileSync(path.join(dir, child)).toString('base64')}`);
  }
  return out;
}

export function changedFiles(before: Map<string, string>, after: Map<string, string>): string[] {
  const all = new Set([...before.keys(), ...after.keys()]);
  return [...all].filter((k) => before.get(k) !== after.get(k)).sort();
}

export function addTracing(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(['add-tracing', dir, ...args], { env: { ...E2E_ENV, ...env }, timeoutMs: 240_000 });
}

export function jsonOf(r: CliResult): Record<string, any> {
  try {
    return JSON.parse(r.stdout) as Record<string, any>;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
}
