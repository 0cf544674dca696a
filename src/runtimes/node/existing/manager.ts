// The project's own package manager, at the version it names, found on PATH or run through corepack or npx.
import path from 'node:path';
import { execa } from 'execa';
import type { NodeProject, PackageManager } from './project.js';
import { readTextIfExistsSync } from '../../../core/read-file.js';

/** The manager and version the project asks for, and where that was read. */
export interface WantedManager {
  name: PackageManager;
  /** Exact (`9.12.0`) from packageManager, a major (`9`) from the lockfile's format, else undefined. */
  version?: string;
  from: string;
}

/** How to run the manager: `file` then `prefix`, then the manager's own arguments. */
export interface ManagerCommand {
  name: PackageManager;
  /** The version it reports. */
  version: string;
  file: string;
  prefix: string[];
  /** As a user would type it (for messages and the rerun hint). */
  display: string;
}

// pnpm-lock.yaml lockfileVersion -> the pnpm major that writes it (pnpm 10 reads and writes 9.0 too).
const PNPM_LOCK: [RegExp, string][] = [
  [/^9\./, '9'],
  [/^6\./, '8'],
  [/^5\.4/, '7'],
  [/^5\.[0-3]/, '6'],
];
// yarn.lock __metadata.version -> the Yarn major that writes it.
const YARN_LOCK: Record<string, string> = { '4': '2', '5': '3', '6': '3', '7': '4', '8': '4' };

function readText(file: string): string {
  return readTextIfExistsSync(file) ?? '';
}

export function wantedManager(project: NodeProject): WantedManager {
  const { name, lockfile } = project.packageManager;
  const data = 'error' in project.packageJson ? {} : project.packageJson.data;
  // "pnpm@9.12.0+sha512.abc": corepack's form; the hash is corepack's business.
  const declared = /^(npm|pnpm|yarn)@(\d+\.\d+\.\d+[^+]*)/.exec(data.packageManager ?? '');
  if (declared && declared[1] === name) return { name, version: declared[2]!, from: 'packageManager in package.json' };
  if (!lockfile || name === 'npm') return { name, from: 'the lockfile' };
  const text = readText(path.join(project.root, lockfile));
  if (name === 'pnpm') {
    const v = /^lockfileVersion:\s*['"]?([\d.]+)/m.exec(text)?.[1];
    const major = v ? PNPM_LOCK.find(([re]) => re.test(v))?.[1] : undefined;
    return major ? { name, version: major, from: `${lockfile} (lockfileVersion ${v})` } : { name, from: lockfile };
  }
  if (/^# yarn lockfile v1/m.test(text)) return { name, version: '1', from: `${lockfile} (v1)` };
  const meta = /^__metadata:\s*\n\s+version:\s*(\d+)/m.exec(text)?.[1];
  const major = meta ? YARN_LOCK[meta] : undefined;
  return major ? { name, version: major, from: `${lockfile} (version ${meta})` } : { name, from: lockfile };
}

const major = (v: string) => v.split('.')[0];

async function versionOf(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<string | undefined> {
  try {
    const { stdout } = await execa(file, [...args, '--version'], { env, cwd, timeout: 120_000 });
    const v = stdout.trim().split('\n').at(-1)?.trim();
    return v && /^\d+\.\d+/.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The manager the project names, at its version: on PATH when the major matches, else through corepack
 * (which verifies what it downloads), else npx. Undefined when none of them can run it.
 */
export async function findManager(
  root: string,
  wanted: WantedManager,
  env: NodeJS.ProcessEnv,
): Promise<ManagerCommand | undefined> {
  const { name } = wanted;
  const onPath = await versionOf(name, [], env, root);
  if (onPath && (!wanted.version || major(onPath) === major(wanted.version)))
    return { name, version: onPath, file: name, prefix: [], display: name };
  if (name === 'npm') return undefined;
  const spec = wanted.version ? `${name}@${wanted.version}` : name;
  const viaCorepack = await versionOf('corepack', [spec], env, root);
  if (viaCorepack) return { name, version: viaCorepack, file: 'corepack', prefix: [spec], display: `corepack ${spec}` };
  // Yarn 2+ is published as @yarnpkg/cli-dist; the `yarn` package is Yarn 1.
  const pkg =
    name === 'yarn' && wanted.version && major(wanted.version) !== '1' ? `@yarnpkg/cli-dist@${wanted.version}` : spec;
  const npxPrefix = ['-y', `--package=${pkg}`, '--', name];
  const viaNpx = await versionOf('npx', npxPrefix, env, root);
  if (viaNpx)
    return { name, version: viaNpx, file: 'npx', prefix: npxPrefix, display: `npx -y --package=${pkg} -- ${name}` };
  return undefined;
}

/** Why the project's manager cannot be run here, with the fix, as one sentence. */
export function managerMissing(wanted: WantedManager): string {
  const spec = `${wanted.name}${wanted.version ? `@${wanted.version}` : ''}`;
  return (
    `the project uses ${spec} (${wanted.from}), which is not installed here and neither corepack nor npx could run it; ` +
    `install it (\`npm install -g ${spec}\`, or \`corepack enable\`) and run again: npm over ${wanted.name}'s node_modules would break it`
  );
}
