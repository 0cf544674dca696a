/**
 * The generated project's virtual environment: created in <project>/.venv, installed with the tool
 * --installer picks (src/installer.ts), and reused while the requirement files and interpreter are unchanged.
 */
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { onInterruptCleanup } from './interrupt.js';
import { cachedPrivateUv, resolveInstaller } from './installer.js';
import type { Installer } from './options.js';

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

export class InstallError extends Error {
  override name = 'InstallError';
  constructor(
    message: string,
    readonly outputTail: string,
    readonly rerun: string,
  ) {
    super(message);
  }
}

export function venvPython(venvDir: string): string {
  return process.platform === 'win32' ? path.join(venvDir, 'Scripts', 'python.exe') : path.join(venvDir, 'bin', 'python');
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
    if (existsSync(file)) hash.update(await readFile(file));
  }
  return hash.digest('hex');
}

/** Runs an installer step, feeding its output lines to `onLine`; on failure keeps the last lines for the error. */
async function run(command: string, args: string[], cwd: string, onLine: (line: string) => void): Promise<void> {
  const lines: string[] = [];
  const child: ResultPromise = execa(command, args, { cwd, all: true, reject: false, env: { PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
  const stop = onInterruptCleanup(() => child.kill('SIGKILL'));
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
  stop();
  if (result.exitCode !== 0 || result.failed) {
    const rerun = [command, ...args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
    throw new InstallError(`${path.basename(command)} exited with ${result.exitCode ?? result.signal ?? 'an error'}`, [...lines, partial].slice(-15).join('\n'), `cd ${cwd} && ${rerun}`);
  }
}

export async function preparePythonEnv(
  projectDir: string,
  options: { requirementsFile?: string; installer?: Installer; onProgress?: (message: string) => void } = {},
): Promise<PythonEnv> {
  const requirementsFile = options.requirementsFile ?? 'requirements-dev.txt';
  const progress = options.onProgress ?? (() => {});
  const venvDir = path.join(projectDir, VENV_DIR);
  const python = venvPython(venvDir);
  const base = await findPython();
  const stamp = await stampFor(projectDir, requirementsFile, base.version);
  const stampPath = path.join(venvDir, STAMP_FILE);

  if (existsSync(python) && existsSync(stampPath) && (await readFile(stampPath, 'utf8')).trim() === stamp) {
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
  // An interrupted install must not leave a half-built venv that looks usable: a venv created here is
  // removed if Ctrl-C arrives before it is complete (an existing one only lacks its stamp and is redone).
  const unregister = existsSync(venvDir) ? () => {} : onInterruptCleanup(() => rmSync(venvDir, { recursive: true, force: true }));
  try {
    if (!existsSync(python)) {
      progress('creating virtual environment');
      if (uv) await run(uv, ['venv', '--quiet', '--python', base.command, VENV_DIR], projectDir, onLine);
      else await run(base.command, ['-m', 'venv', VENV_DIR], projectDir, onLine);
    }
    progress(`installing ${requirementsFile} with ${installer}`);
    if (uv) await run(uv, ['pip', 'install', '--python', python, '-r', requirementsFile], projectDir, onLine);
    else await run(python, ['-m', 'pip', 'install', '--progress-bar', 'off', '-r', requirementsFile], projectDir, onLine);
    await writeFile(stampPath, `${stamp}\n`);
  } finally {
    unregister();
  }
  return { python, venvDir, installer, reused: false };
}
