/**
 * `dev` for a Node service: the Node that runs it, then what the smoke test does before starting it (a
 * generated service installed when its package files changed, and built; a wired one built when compiled).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_NODE_SET, nodeOtelSet } from '../../catalog/node-sets.js';

/**
 * Where the build `dev` runs keeps its state, so that the build in watch mode started next has nothing to
 * emit: a rewrite of dist/ at its start would restart the service just started (node --watch).
 */
const DEV_BUILD_INFO = path.join('node_modules', '.cache', 'create-traced-service', 'dev.tsbuildinfo');
const DEV_BUILD_ARGS = ['--incremental', '--tsBuildInfoFile', DEV_BUILD_INFO];

/** The build in watch mode that runs beside a reloading service: each change rewrites dist/, and node --watch restarts. */
export const DEV_WATCH_BUILD = ['npm', 'run', 'build', '--', ...DEV_BUILD_ARGS, '--watch', '--preserveWatchOutput'];

/** Readies the service to run; returns the directory of its Node ('' for PATH's own). */
export async function prepareNodeDev(
  projectDir: string,
  wired: boolean,
  reload: boolean,
  onProgress: (message: string) => void,
): Promise<string> {
  if (wired) {
    const { analyseNodeProject } = await import('./existing/project.js');
    const { buildIfCompiled, serviceNode } = await import('./existing/install.js');
    const node = await serviceNode();
    await buildIfCompiled(projectDir, analyseNodeProject(projectDir), node, onProgress);
    return node.binDir ?? '';
  }
  const { prepareNodeEnv } = await import('./env.js');
  // A state left by an earlier run may not match dist/ any more: the first build emits everything.
  if (reload) rmSync(path.join(projectDir, DEV_BUILD_INFO), { force: true });
  const prepared = await prepareNodeEnv(
    projectDir,
    nodeOtelSet(DEFAULT_NODE_SET).minNode,
    onProgress,
    reload ? DEV_BUILD_ARGS : [],
  );
  return prepared.venvDir;
}
