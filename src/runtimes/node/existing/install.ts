/**
 * After add-tracing has written package.json: the project's lockfile updated by its own package manager
 * (lockfile only, no install scripts), then, for the smoke test, its dependencies installed and its build
 * run with the Node that will run the service.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { InstallError } from '../../python/env.js';
import { findServiceNode, nodePath, type ServiceNode } from '../env.js';
import { DEFAULT_NODE_SET, nodeOtelSet } from '../../../catalog/node-sets.js';
import { npmConflict } from './npm-conflict.js';
import type { NodeProject, PackageManager } from './project.js';

const LOCK_TIMEOUT_MS = 300_000;

export interface LockUpdate {
  lockfile: string;
  outcome: 'updated' | 'unchanged' | 'skipped' | 'failed';
  detail: string;
}

async function available(tool: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const { stdout } = await execa(tool, ['--version'], { env, timeout: 15_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
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

function nodeEnv(node: ServiceNode | undefined): NodeJS.ProcessEnv {
  return { ...process.env, PATH: nodePath(node?.binDir), npm_config_update_notifier: 'false' };
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
  const version = await available(name, env);
  const args = version ? lockCommand(name, version) : undefined;
  if (!version || !args) {
    return {
      lockfile,
      outcome: 'skipped',
      detail: version
        ? `${name} ${version} cannot update ${lockfile} without installing: run \`${name} install\` and commit ${lockfile}`
        : `${name} is not installed here: run \`${name} install\` and commit ${lockfile}`,
    };
  }
  const file = path.join(root, lockfile);
  const before = existsSync(file) ? await readFile(file, 'utf8') : '';
  running.child = execa(name, args, { cwd: root, env, reject: false, timeout: LOCK_TIMEOUT_MS, all: true });
  const r = await running.child;
  running.child = undefined;
  if (r.exitCode !== 0) {
    const output = String(r.all ?? '').trim();
    // npm's last lines of an ERESOLVE are only the paths of its report: the conflict itself is above them.
    const conflict = npmConflict(output);
    const tail = conflict ?? output.split('\n').slice(-5).join(' | ');
    return { lockfile, outcome: 'failed', detail: `${name} ${args.join(' ')} failed: ${tail}` };
  }
  const after = await readFile(file, 'utf8');
  return {
    lockfile,
    outcome: after === before ? 'unchanged' : 'updated',
    detail: `${name} ${args.join(' ')}`,
  };
}

async function run(tool: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, onProgress: (m: string) => void) {
  onProgress(`${tool} ${args.join(' ')}`);
  const r = await execa(tool, args, { cwd, env, reject: false, all: true, timeout: 900_000 });
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
  if (name === 'pnpm' && lockfile && (await available('pnpm', env))) {
    installer = 'pnpm';
    await run('pnpm', ['install', '--frozen-lockfile'], root, env, onProgress);
  } else if (name === 'yarn' && lockfile && (await available('yarn', env))) {
    installer = 'yarn';
    await run('yarn', ['install', '--frozen-lockfile'], root, env, onProgress);
  } else if (lockfile === 'package-lock.json' || lockfile === 'npm-shrinkwrap.json') {
    await run('npm', ['ci', '--no-audit', '--no-fund'], root, env, onProgress);
  } else {
    await run('npm', ['install', '--no-package-lock', '--no-audit', '--no-fund'], root, env, onProgress);
  }
  const pkg = 'error' in project.packageJson ? {} : project.packageJson.data;
  if (pkg.scripts?.build && project.typescript) await run('npm', ['run', 'build'], root, env, onProgress);
  return { installer };
}
