/**
 * The generated project's virtual environment: created in <project>/.venv, installed with the tool
 * --installer picks (src/installer.ts), and reused while the requirement files and interpreter are unchanged.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { CancelledError, InstallError } from '../../core/errors.js';

import { interruptedBy, onInterruptCleanup } from '../../core/interrupt.js';
import { cachedPrivateUv, resolveInstaller } from './installer.js';
import type { Installer } from '../../options/schema.js';
import { readFileBytes, readText } from '../../core/read-file.js';

export const VENV_DIR = '.venv';
const STAMP_FILE = '.create-traced-service-stamp';
// The pinned FastAPI line needs 3.11; the generated pyproject.toml says the same.
export const MIN_PYTHON: [number, number] = [3, 11];

export interface PythonEnv {
  /** The venv's interpreter. */
  python: string;
  venvDir: string;
  installer: 'uv' | 'pip';
  reused: boolean;
}

export function venvPython(venvDir: string): string {
  return process.platform === 'win32'
    ? path.join(venvDir, 'Scripts', 'python.exe')
    : path.join(venvDir, 'bin', 'python');
}

async function commandWorks(command: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await execa(command, args, { timeout: 15_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** The interpreter to build the venv from: $CTS_PYTHON, else python3, else python; must be >= MIN_PYTHON. */
export async function findPython(): Promise<{ command: string; version: string }> {
  const candidates = [process.env.CTS_PYTHON, 'python3', 'python'].filter((c): c is string => Boolean(c));
  for (const command of candidates) {
    const version = await commandWorks(command, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])']);
    if (!version) continue;
    const [major = 0, minor = 0] = version.split('.').map(Number);
    if (major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1])) return { command, version };
  }
  throw new InstallError(
    `Python ${MIN_PYTHON.join('.')} or newer was not found (tried ${candidates.join(', ')}); install it or set CTS_PYTHON`,
    '',
    '',
  );
}

export async function findUv(): Promise<string | undefined> {
  if (process.env.CTS_INSTALLER === 'pip') return undefined;
  return (await commandWorks('uv', ['--version'])) ? 'uv' : cachedPrivateUv();
}

async function stampFor(projectDir: string, requirementsFile: string, pythonVersion: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(pythonVersion);
  // requirements-dev.txt includes requirements.txt with -r, so hash every requirements file in the project.
  for (const name of ['requirements.txt', requirementsFile]) {
    const file = path.join(projectDir, name);
    if (existsSync(file)) hash.update(await readFileBytes(file));
  }
  return hash.digest('hex');
}

/** How long an interrupted installer gets to clean up after itself (pip removes its temp folders). */
const STOP_GRACE_MS = 8_000;

/** The installer step running now, so that an interrupt can stop it. */
interface RunningInstaller {
  child?: ResultPromise;
  /** Private temporary folder (TMPDIR) for the installer, removed whatever happens. */
  tmp: string;
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Stops the installer like Ctrl-C would (SIGINT, once, to its process group), waits a bounded time for
 * it to clean up, then kills what is left.
 */
async function stopInstaller(installer: RunningInstaller): Promise<void> {
  const child = installer.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child.pid, 'SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_GRACE_MS)));
  const outcome = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    signalGroup(child.pid, 'SIGKILL');
    await exited;
  }
}

/** Runs an installer step, feeding its output lines to `onLine`; on failure keeps the last lines for the error. */
async function run(
  installer: RunningInstaller,
  command: string,
  args: string[],
  cwd: string,
  onLine: (line: string) => void,
): Promise<void> {
  if (interruptedBy()) throw new CancelledError();
  const lines: string[] = [];
  // Its own process group: a terminal's Ctrl-C reaches only the CLI, which then stops the installer once,
  // gracefully, and knows when it is done before removing the venv it was filling.
  const tmpEnv = { TMPDIR: installer.tmp, TEMP: installer.tmp, TMP: installer.tmp };
  const env = { PIP_DISABLE_PIP_VERSION_CHECK: '1', ...tmpEnv };
  const child: ResultPromise = execa(command, args, { cwd, all: true, reject: false, detached: true, env });
  installer.child = child;
  child.all?.setEncoding('utf8');
  let partial = '';
  child.all?.on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split(/\r?\n|\r/);
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > 200) lines.shift();
      onLine(line.trim());
    }
  });
  const result = await child;
  installer.child = undefined;
  if (interruptedBy()) throw new CancelledError();
  if (result.exitCode !== 0 || result.failed) {
    const rerun = [command, ...args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
    throw new InstallError(
      `${path.basename(command)} exited with ${result.exitCode ?? result.signal ?? 'an error'}`,
      [...lines, partial].slice(-15).join('\n'),
      `cd ${cwd} && ${rerun}`,
    );
  }
}

/** The Python version a venv was built with, from its pyvenv.cfg (nothing in it is run). */
async function venvVersion(venvDir: string): Promise<string | undefined> {
  try {
    const cfg = await readText(path.join(venvDir, 'pyvenv.cfg'));
    return /^version(?:_info)?\s*=\s*(\d+\.\d+\.\d+)/m.exec(cfg)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * An install's interrupt cleanup, registered until release(). An interrupted install must not leave a
 * half-built venv that looks usable: the installer is stopped first, then a venv created here is removed
 * (an existing one only lacks its stamp and is redone).
 */
function guardInstall(venvDir: string): { running: RunningInstaller; release: () => void } {
  const createdHere = !existsSync(venvDir);
  const running: RunningInstaller = { tmp: mkdtempSync(path.join(os.tmpdir(), 'cts-install-')) };
  const removeLeftovers = () => {
    if (createdHere) rmSync(venvDir, { recursive: true, force: true });
    rmSync(running.tmp, { recursive: true, force: true });
  };
  const unregister = onInterruptCleanup(
    async () => {
      await stopInstaller(running);
      removeLeftovers();
    },
    () => {
      signalGroup(running.child?.pid, 'SIGKILL');
      removeLeftovers();
    },
  );
  const release = () => {
    // While an interrupt is being handled, its cleanup owns the venv and the temp folder.
    if (!interruptedBy()) {
      unregister();
      rmSync(running.tmp, { recursive: true, force: true });
    }
  };
  return { running, release };
}

export async function preparePythonEnv(
  projectDir: string,
  options: {
    requirementsFile?: string;
    installer?: Installer;
    onProgress?: (message: string) => void;
    basePython?: { command: string; version: string };
  } = {},
): Promise<PythonEnv> {
  const requirementsFile = options.requirementsFile ?? 'requirements-dev.txt';
  const progress = options.onProgress ?? (() => {});
  const venvDir = path.join(projectDir, VENV_DIR);
  const python = venvPython(venvDir);
  const base = options.basePython ?? (await findPython());
  const stamp = await stampFor(projectDir, requirementsFile, base.version);
  const stampPath = path.join(venvDir, STAMP_FILE);

  if (existsSync(python) && existsSync(stampPath) && (await readText(stampPath)).trim() === stamp) {
    return { python, venvDir, installer: (await findUv()) ? 'uv' : 'pip', reused: true };
  }

  const onLine = (line: string) => progress(line.length > 80 ? `${line.slice(0, 77)}...` : line);
  let tool: Awaited<ReturnType<typeof resolveInstaller>>;
  try {
    tool = await resolveInstaller(options.installer ?? 'auto', base.command, onLine);
  } catch (error) {
    throw new InstallError((error as Error).message, '', '');
  }
  if (tool.kind === 'pip' && tool.note) progress(tool.note);
  const uv = tool.kind === 'uv' ? tool.command : undefined;
  const installer = tool.kind;
  const { running, release } = guardInstall(venvDir);
  try {
    if (
      options.basePython &&
      existsSync(python) &&
      existsSync(stampPath) &&
      (await venvVersion(venvDir)) !== base.version
    ) {
      // A venv this tool built with another Python than the one the project asks for: rebuilt.
      rmSync(venvDir, { recursive: true, force: true });
    }
    if (!existsSync(python)) {
      progress('creating virtual environment');
      if (uv) await run(running, uv, ['venv', '--quiet', '--python', base.command, VENV_DIR], projectDir, onLine);
      else await run(running, base.command, ['-m', 'venv', VENV_DIR], projectDir, onLine);
    }
    progress(`installing ${requirementsFile} with ${installer}`);
    if (uv) await run(running, uv, ['pip', 'install', '--python', python, '-r', requirementsFile], projectDir, onLine);
    else {
      // As uv does: no bytecode for every installed module up front (a third of a warm install), only for
      // what the service imports, when it first does.
      const pipArgs = ['-m', 'pip', 'install', '--progress-bar', 'off', '--no-compile', '-r', requirementsFile];
      await run(running, python, pipArgs, projectDir, onLine);
    }
    await writeFile(stampPath, `${stamp}\n`);
  } finally {
    release();
  }
  return { python, venvDir, installer, reused: false };
}
