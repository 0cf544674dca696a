/**
 * Earlier releases of this CLI, read from releases.json and built from this repository's own history at their
 * commits (`git archive`, `npm ci`, `npm run build`), cached by commit in the user's cache like the private uv,
 * so the upgrade matrix builds each one once per machine.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../../src/runtimes/python/installer.js';
import { REPO_ROOT } from './helpers.js';

export interface Release {
  version: string;
  date: string;
  /** null only for the version package.json holds: its commit is known once the next release is cut. */
  commit: string | null;
  reports: string;
  answersSchema: number;
  note: string;
}

export function releases(): Release[] {
  return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'releases.json'), 'utf8')) as { releases: Release[] }).releases;
}

/** Every release before this one: each has the commit it was cut from. */
export function earlierReleases(): (Release & { commit: string })[] {
  return releases().filter((r): r is Release & { commit: string } => r.commit !== null);
}

/** Bounded: a cold `npm ci` of an old lockfile plus its build. */
const STEP_MS = 480_000;

/** The built CLI of `commit` (its bin script), built into the cache on first use. */
export function builtRelease(commit: string): string {
  const dir = path.join(cacheDir(), 'releases', commit);
  const bin = path.join(dir, 'bin', 'create-traced-service.js');
  if (existsSync(path.join(dir, '.complete'))) return bin;
  try {
    execFileSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: REPO_ROOT, stdio: 'ignore' });
  } catch {
    throw new Error(
      `commit ${commit} is not in this clone: the upgrade matrix needs the history (git fetch --unshallow)`,
    );
  }
  // Built beside its final place and renamed when complete: a half-built release is rebuilt, never used.
  const work = `${dir}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const tar = execFileSync('git', ['archive', '--format=tar', commit], { cwd: REPO_ROOT, maxBuffer: 512 << 20 });
  execFileSync('tar', ['-x', '-C', work], { input: tar });
  const env = { ...process.env, CI: 'true' };
  const run = (args: string[]) => execFileSync('npm', args, { cwd: work, env, stdio: 'ignore', timeout: STEP_MS });
  run(['ci', '--no-audit', '--no-fund', '--prefer-offline']);
  run(['run', 'build']);
  writeFileSync(path.join(work, '.complete'), `${commit}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  return bin;
}
