/**
 * After add-tracing has written package.json: the project's lockfile updated by its own package manager
 * (lockfile only, no install scripts), then, for the smoke test, its dependencies installed and its build
 * run with the Node that will run the service.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { InstallError, UsageError } from '../../../core/errors.js';
import { findServiceNode, nodePath, type ServiceNode } from '../env.js';
import { DEFAULT_NODE_SET, nodeOtelSet } from '../../../catalog/node-sets.js';
import { findManager, type ManagerCommand, managerMissing, wantedManager } from './manager.js';
import { npmConflict } from './npm-conflict.js';
import type { NodeProject, PackageManager } from './project.js';
import { readText, readTextIfExists } from '../../../core/read-file.js';

const LOCK_TIMEOUT_MS = 300_000;

export interface LockUpdate {
  lockfile: string;
  outcome: 'updated' | 'unchanged' | 'skipped' | 'failed';
  detail: string;
}

const found = new Map<string, Promise<ManagerCommand | undefined>>();

/** The project's manager at its version (looked for once per directory and run: corepack and npx download). */
function projectManager(
  root: string,
  project: NodeProject,
  env: NodeJS.ProcessEnv,
): Promise<ManagerCommand | undefined> {
  const key = `${root}\0${project.packageManager.name}\0${env.PATH}`;
  if (!found.has(key)) found.set(key, findManager(root, wantedManager(project), env));
  return found.get(key)!;
}

/**
 * Before anything is written: a pnpm or Yarn project whose manager cannot be run here is refused (npm over
 * their node_modules crashes, and their lockfile would not follow package.json).
 */
export async function ensurePackageManager(root: string, project: NodeProject, node?: ServiceNode): Promise<void> {
  if (project.packageManager.name === 'npm') return;
  if (!(await projectManager(root, project, nodeEnv(node))))
    throw new UsageError(`${managerMissing(wantedManager(project))} — nothing was changed`);
}

/** The command that rewrites only the lockfile, for the manager's version; undefined when it has none. */
function lockCommand(manager: PackageManager, version: string): string[] | undefined {
  if (manager === 'npm') return ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'];
  if (manager === 'pnpm') return ['install', '--lockfile-only', '--ignore-scripts'];
  // Yarn 2+ updates the lockfile alone; Yarn 1 cannot without installing.
  return Number.parseInt(version, 10) >= 2 ? ['install', '--mode=update-lockfile'] : undefined;
}

export async function serviceNode(): Promise<ServiceNode> {
  return findServiceNode(nodeOtelSet(DEFAULT_NODE_SET).minNode);
}

export function nodeEnv(node: ServiceNode | undefined): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: nodePath(node?.binDir),
    npm_config_update_notifier: 'false',
    // No prompt before corepack downloads the project's manager: the run has consent to install already.
    COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
  };
}

export async function updateLockfile(
  root: string,
  project: NodeProject,
  node?: ServiceNode,
  /** Holds the running package manager, so an interrupt can stop it before restoring the files. */
  running: { child?: ResultPromise } = {},
): Promise<LockUpdate | undefined> {
  const { name, lockfile } = project.packageManager;
  if (!lockfile) return undefined;
  const env = nodeEnv(node);
  const manager = await projectManager(root, project, env);
  const args = manager ? lockCommand(name, manager.version) : undefined;
  if (!manager || !args) {
    return {
      lockfile,
      outcome: 'skipped',
      detail: manager
        ? `${name} ${manager.version} cannot update ${lockfile} without installing: run \`${name} install\` and commit ${lockfile}`
        : `${name} is not installed here: run \`${name} install\` and commit ${lockfile}`,
    };
  }
  const file = path.join(root, lockfile);
  const before = (await readTextIfExists(file)) ?? '';
  running.child = execa(manager.file, [...manager.prefix, ...args], {
    cwd: root,
    env,
    reject: false,
    timeout: LOCK_TIMEOUT_MS,
    all: true,
  });
  const r = await running.child;
  running.child = undefined;
  if (r.exitCode !== 0) {
    const output = String(r.all ?? '').trim();
    // npm's last lines of an ERESOLVE are only the paths of its report: the conflict itself is above them.
    const conflict = npmConflict(output);
    const tail = conflict ?? output.split('\n').slice(-5).join(' | ');
    return { lockfile, outcome: 'failed', detail: `${manager.display} ${args.join(' ')} failed: ${tail}` };
  }
  const after = await readText(file);
  return {
    lockfile,
    outcome: after === before ? 'unchanged' : 'updated',
    detail: `${manager.display} ${args.join(' ')}`,
  };
}

export type Runner = Pick<ManagerCommand, 'file' | 'prefix' | 'display'>;
const NPM: Runner = { file: 'npm', prefix: [], display: 'npm' };

/** How to run the project's own package manager (npm, or pnpm/Yarn at the version it names). */
export async function managerRunner(
  root: string,
  project: NodeProject,
  env: NodeJS.ProcessEnv,
): Promise<Runner | undefined> {
  return project.packageManager.name === 'npm' ? NPM : projectManager(root, project, env);
}

async function run(
  runner: Runner,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  onProgress: (m: string) => void,
) {
  const tool = runner.display;
  onProgress(`${tool} ${args.join(' ')}`);
  const r = await execa(runner.file, [...runner.prefix, ...args], {
    cwd,
    env,
    reject: false,
    all: true,
    timeout: 900_000,
  });
  if (r.exitCode !== 0) {
    const conflict = npmConflict(String(r.all ?? ''));
    throw new InstallError(
      `${tool} ${args[0]} ${args[1] ?? ''} exited with ${r.exitCode ?? r.signal}${conflict ? `: ${conflict}` : ''}`.replace(
        /\s+/g,
        ' ',
      ),
      String(r.all ?? '')
        .trim()
        .split('\n')
        .slice(-15)
        .join('\n'),
      `cd ${cwd} && ${tool} ${args.join(' ')}`,
    );
  }
}

/**
 * node_modules as the lockfile records it (npm ci, pnpm/yarn frozen), or npm install without writing a
 * lockfile the project does not have; then the build script when the service is compiled.
 */
export async function installForSmoke(
  root: string,
  project: NodeProject,
  node: ServiceNode,
  onProgress: (m: string) => void,
): Promise<{ installer: string }> {
  const env = nodeEnv(node);
  const { name, lockfile } = project.packageManager;
  let installer = 'npm';
  if (name !== 'npm') {
    // Never npm over a tree pnpm or Yarn made (npm crashes on pnpm's node_modules): their own tool, or nothing.
    const manager = await projectManager(root, project, env);
    if (!manager) throw new InstallError(managerMissing(wantedManager(project)), '', `cd ${root} && ${name} install`);
    installer = manager.display;
    const berry = name === 'yarn' && Number.parseInt(manager.version, 10) >= 2;
    // Without a lockfile none is written (Yarn 2+ has no such flag: the one it writes is removed).
    const args = lockfile
      ? ['install', berry ? '--immutable' : '--frozen-lockfile']
      : ['install', ...(berry ? [] : ['--no-lockfile'])];
    const lock = path.join(root, 'yarn.lock');
    const hadLock = existsSync(lock);
    await run(manager, args, root, berry ? { ...env, YARN_ENABLE_IMMUTABLE_INSTALLS: 'false' } : env, onProgress);
    if (berry && !lockfile && !hadLock) rmSync(lock, { force: true });
  } else if (lockfile === 'package-lock.json' || lockfile === 'npm-shrinkwrap.json') {
    await run(NPM, ['ci', '--no-audit', '--no-fund'], root, env, onProgress);
  } else {
    await run(NPM, ['install', '--no-package-lock', '--no-audit', '--no-fund'], root, env, onProgress);
  }
  await buildIfCompiled(root, project, node, onProgress);
  return { installer };
}

/** The project's build script, when the service is compiled (TypeScript): what it runs is dist/, not src/. */
export async function buildIfCompiled(
  root: string,
  project: NodeProject,
  node: ServiceNode,
  onProgress: (m: string) => void,
): Promise<void> {
  const pkg = 'error' in project.packageJson ? {} : project.packageJson.data;
  if (pkg.scripts?.build && project.typescript) await run(NPM, ['run', 'build'], root, nodeEnv(node), onProgress);
}
