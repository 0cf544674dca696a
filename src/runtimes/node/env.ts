/**
 * The generated Node project's environment: the Node that will run it (checked against the set's
 * `engines` before anything is installed), its npm packages (`npm ci` from the lockfile, or `npm install`
 * writing one), and its build (`npm run build`: TypeScript to dist/).
 */
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { CancelledError, UsageError } from '../../core/errors.js';
import { interruptedBy, onInterruptCleanup } from '../../core/interrupt.js';
import { InstallError } from '../../core/errors.js';
import type { PreparedEnv } from '../types.js';
import { compareDotted } from '../../core/dotted-version.js';
import { readFileBytes, readText } from '../../core/read-file.js';

const STAMP_FILE = path.join('node_modules', '.create-traced-service-stamp');
const STOP_GRACE_MS = 8_000;

export interface ServiceNode {
  /** The node binary (absolute when found through CTS_NODE). */
  command: string;
  version: string;
  /** Directory put first on PATH, so `node` and npm's own `#!/usr/bin/env node` both mean this Node. */
  binDir?: string;
}

/** $CTS_NODE names the Node that runs the service; else `node` on PATH. */
export async function findServiceNode(minNode: string): Promise<ServiceNode> {
  const fromEnv = process.env.CTS_NODE?.trim();
  const command = fromEnv || 'node';
  let version: string;
  try {
    const { stdout } = await execa(command, ['-p', 'process.versions.node'], { timeout: 15_000 });
    version = stdout.trim();
  } catch {
    throw new UsageError(
      `Node.js was not found (${fromEnv ? `CTS_NODE=${fromEnv}` : 'no node on PATH'}); ` +
        `install Node ${minNode} or newer, or set CTS_NODE to its node binary`,
    );
  }
  if (compareDotted(version, minNode) < 0) {
    throw new UsageError(
      `the generated service needs Node ${minNode} or newer (OpenTelemetry JS declares it), but ${command} is ` +
        `${version}; install a current LTS Node, or set CTS_NODE to one`,
    );
  }
  return { command, version, ...(fromEnv ? { binDir: path.dirname(path.resolve(fromEnv)) } : {}) };
}

/** PATH with the service's Node first. */
export function nodePath(binDir: string | undefined, base = process.env.PATH ?? ''): string {
  return binDir ? `${binDir}${path.delimiter}${base}` : base;
}

async function stampFor(projectDir: string, nodeVersion: string): Promise<string> {
  const hash = createHash('sha256').update(nodeVersion);
  for (const name of ['package.json', 'package-lock.json']) {
    const file = path.join(projectDir, name);
    if (existsSync(file)) hash.update(await readFileBytes(file));
  }
  return hash.digest('hex');
}

function killGroup(child: ResultPromise | undefined, signal: NodeJS.Signals): void {
  if (child?.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Runs npm in its own process group, feeding its output to `onLine`; on failure keeps the last lines. */
async function npm(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  running: { child?: ResultPromise },
  onLine: (line: string) => void,
): Promise<void> {
  if (interruptedBy()) throw new CancelledError();
  const lines: string[] = [];
  const child = execa('npm', args, { cwd, env, all: true, reject: false, detached: true });
  running.child = child;
  child.all?.setEncoding('utf8');
  child.all?.on('data', (chunk: string) => {
    for (const line of chunk.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > 200) lines.shift();
      onLine(line.trim().slice(0, 80));
    }
  });
  const result = await child;
  running.child = undefined;
  if (interruptedBy()) throw new CancelledError();
  if (result.exitCode !== 0 || result.failed) {
    throw new InstallError(
      `npm ${args[0]} exited with ${result.exitCode ?? result.signal ?? 'an error'}`,
      lines.slice(-15).join('\n'),
      `cd ${cwd} && npm ${args.join(' ')}`,
    );
  }
}

/**
 * npm ci when package-lock.json exists (the exact tree it records), else npm install, which writes it;
 * then npm run build. The install is skipped while package.json, the lockfile and the Node are unchanged.
 */
export async function prepareNodeEnv(
  projectDir: string,
  minNode: string,
  onProgress: (message: string) => void,
  /** Passed on to the build script (`dev`: an incremental build the build in watch mode continues). */
  buildArgs: string[] = [],
): Promise<PreparedEnv & { node: ServiceNode }> {
  const node = await findServiceNode(minNode);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: nodePath(node.binDir), npm_config_update_notifier: 'false' };
  const running: { child?: ResultPromise } = {};
  const modules = path.join(projectDir, 'node_modules');
  const lockfile = path.join(projectDir, 'package-lock.json');
  const createdModules = !existsSync(modules);
  const createdLock = !existsSync(lockfile);
  // Ctrl-C: npm is stopped first, then what this run created is removed (nothing half-installed stays).
  const removeLeftovers = () => {
    if (createdModules) rmSync(modules, { recursive: true, force: true });
    if (createdLock) rmSync(lockfile, { force: true });
  };
  const unregister = onInterruptCleanup(
    async () => {
      const child = running.child;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        killGroup(child, 'SIGINT');
        const late = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(late);
      }
      removeLeftovers();
    },
    () => {
      killGroup(running.child, 'SIGKILL');
      removeLeftovers();
    },
  );
  const stampPath = path.join(projectDir, STAMP_FILE);
  let reused = false;
  try {
    const stamp = await stampFor(projectDir, node.version);
    reused = existsSync(stampPath) && (await readText(stampPath)).trim() === stamp;
    if (!reused) {
      const ci = !createdLock;
      onProgress(`${ci ? 'npm ci' : 'npm install'} on Node ${node.version}`);
      await npm([ci ? 'ci' : 'install', '--no-audit', '--no-fund'], projectDir, env, running, onProgress);
      await writeFile(stampPath, `${await stampFor(projectDir, node.version)}\n`);
    }
    onProgress('npm run build');
    await npm(
      ['run', 'build', ...(buildArgs.length ? ['--', ...buildArgs] : [])],
      projectDir,
      env,
      running,
      onProgress,
    );
  } finally {
    if (!interruptedBy()) unregister();
  }
  return { venvDir: node.binDir ?? '', installer: 'npm', reused, node };
}
