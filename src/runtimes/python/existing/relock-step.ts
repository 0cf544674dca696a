/** The lock step of add-tracing: re-lock each lock file the edited dependency files feed, and say how it went. */
import path from 'node:path';
import type { Ui } from '../../../core/ui.js';
import { readDependencyFiles } from './detect.js';
import { findUp } from './environment.js';
import { formatLockDiff, lockCommands, projectLocks, relock, staleLockEntries, type RelockResult } from './lock.js';
import { readTextIfExists } from '../../../core/read-file.js';

async function readIf(file: string): Promise<string | undefined> {
  return readTextIfExists(file);
}

export async function lockFilesOf(root: string): Promise<Record<string, string | undefined>> {
  const names = ['poetry.lock', 'pdm.lock', 'Pipfile.lock', 'requirements.in', 'requirements.txt'];
  const files: Record<string, string | undefined> = Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, await readIf(path.join(root, n))] as const)),
  );
  // A uv workspace member is locked by the workspace's uv.lock; `uv lock` run in the member finds it.
  const uvLock = findUp(root, 'uv.lock');
  if (uvLock) {
    files['uv.lock'] = await readIf(uvLock);
    files.uvLockPath = path.relative(root, uvLock);
  }
  return files;
}

/**
 * Re-locks when a dependency file changed or a lock is stale. `skip` (--no-lock) prints what to run
 * instead. Returns the results; a failed re-lock is the caller's failure.
 */
export async function relockStep(
  root: string,
  changed: string[],
  ui: Ui,
  options: { skip: boolean; python?: string },
): Promise<RelockResult[]> {
  const files = await lockFilesOf(root);
  const locks = projectLocks(files).map((l) =>
    l.tool === 'uv' && files.uvLockPath ? { ...l, file: files.uvLockPath } : l,
  );
  if (locks.length === 0) return [];
  const { deps } = await readDependencyFiles(root, ['pyproject.toml', 'Pipfile']);
  const depChanged = changed.some((p) =>
    /(^|\/)(pyproject\.toml|requirements[^/]*\.(txt|in)|setup\.cfg|Pipfile)$/.test(p),
  );
  const results: RelockResult[] = [];
  for (const lock of locks) {
    const text = files[lock.tool === 'uv' ? 'uv.lock' : lock.file] ?? '';
    const stale =
      lock.tool === 'pip-compile' ? depChanged : depChanged || staleLockEntries(text, deps, lock.tool).length > 0;
    if (!stale) continue;
    if (options.skip) {
      const command = lockCommands(lock).relock.join(' ');
      ui.warn(
        `--no-lock: ${lock.file} was not updated; run \`${command}\` before deploying (doctor reports it until then)`,
      );
      continue;
    }
    const result = await ui.step(
      `Re-locking ${lock.file} with ${lock.tool}`,
      () => relock(root, lock, options.python),
      (r) => r.outcome === 'failed',
    );
    results.push(result);
    if (result.outcome === 'relocked')
      ui.success(
        `${lock.file}: ${formatLockDiff(result.diff!)}; \`${(lockCommands(lock).check ?? ['the lock']).join(' ')}\` passes`,
      );
    else if (result.outcome === 'missing-tool')
      ui.warn(
        `${lock.file} is stale and ${result.detail}: run \`${result.command}\` in ${root} and commit ${lock.file} (doctor reports it until then)`,
      );
    else ui.block(`${lock.file}: \`${result.command}\` failed:\n${result.detail ?? ''}`);
  }
  return results;
}
