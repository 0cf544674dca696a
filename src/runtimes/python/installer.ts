/**
 * Which tool installs a project's .venv. uv is several times faster than pip on a cold cache, so `auto`
 * takes uv from PATH, else a private uv that pip installs once into the user's cache (a few seconds,
 * shared by every later run), and falls back to pip only when that cannot be had.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { Installer } from '../../options/schema.js';

/** The uv release a private install pins; uv on PATH is used whatever its version. */
export const PRIVATE_UV_VERSION = '0.13.9';

export type InstallerTool = { kind: 'uv'; command: string; private: boolean } | { kind: 'pip'; note?: string };

/** The user's cache for this tool: $XDG_CACHE_HOME/create-traced-service, ~/.cache/... or %LOCALAPPDATA%\... */
export function cacheDir(): string {
  if (process.env.CTS_CACHE_DIR) return path.resolve(process.env.CTS_CACHE_DIR);
  const base =
    process.env.XDG_CACHE_HOME ||
    (process.platform === 'win32'
      ? (process.env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local'))
      : path.join(os.homedir(), '.cache'));
  return path.join(base, 'create-traced-service');
}

const exe = (name: string) => (process.platform === 'win32' ? `${name}.exe` : name);
const binDir = (venv: string) => path.join(venv, process.platform === 'win32' ? 'Scripts' : 'bin');

export function privateUvPath(): string {
  return path.join(binDir(path.join(cacheDir(), `uv-${PRIVATE_UV_VERSION}`)), exe('uv'));
}

/** The private uv when it is already installed. */
export function cachedPrivateUv(): string | undefined {
  return existsSync(privateUvPath()) ? privateUvPath() : undefined;
}

async function uvOnPath(): Promise<string | undefined> {
  try {
    await execa('uv', ['--version'], { timeout: 15_000 });
    return 'uv';
  } catch {
    return undefined;
  }
}

/**
 * pip-installs uv into a venv in the cache. Built beside its final place and renamed into it, so an
 * interrupted or concurrent install never leaves a half-built uv that a later run would use (the uv
 * binary does not depend on the venv's path).
 */
export async function ensurePrivateUv(python: string, onLine: (line: string) => void = () => {}): Promise<string> {
  const uv = privateUvPath();
  if (existsSync(uv)) return uv;
  const venv = path.dirname(path.dirname(uv));
  const staging = `${venv}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(path.dirname(venv), { recursive: true });
  try {
    onLine(`installing uv ${PRIVATE_UV_VERSION} with pip into ${venv} (once)`);
    const pipInstallUv = ['install', '--quiet', '--disable-pip-version-check', `uv==${PRIVATE_UV_VERSION}`];
    const pipOptions = { timeout: 300_000, env: { PIP_NO_INPUT: '1' } };
    const stagingPython = path.join(binDir(staging), exe('python'));
    try {
      // A venv without pip takes 0.2 s instead of 3.7 s for ensurepip; the interpreter's own pip fills it
      // (pip >= 22.3 installs into another environment with --python).
      await execa(python, ['-m', 'venv', '--without-pip', staging], { timeout: 120_000 });
      await execa(python, ['-m', 'pip', '--python', stagingPython, ...pipInstallUv], pipOptions);
    } catch {
      // No pip beside the interpreter (or an older one): a venv with its own pip, as ensurepip gives it.
      await rm(staging, { recursive: true, force: true });
      await execa(python, ['-m', 'venv', staging], { timeout: 120_000 });
      await execa(stagingPython, ['-m', 'pip', ...pipInstallUv], pipOptions);
    }
    await rename(staging, venv).catch(async () => {
      if (existsSync(uv)) return; // another process finished first
      await rm(venv, { recursive: true, force: true }); // a broken leftover
      await rename(staging, venv);
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return uv;
}

/** Resolves --installer (auto also honours CTS_INSTALLER=uv|pip, for CI) to the tool that runs. */
export async function resolveInstaller(
  choice: Installer,
  python: string,
  onLine: (line: string) => void,
): Promise<InstallerTool> {
  const env = process.env.CTS_INSTALLER;
  const wanted = choice === 'auto' && (env === 'uv' || env === 'pip') ? env : choice;
  if (wanted === 'pip') return { kind: 'pip' };
  const onPath = await uvOnPath();
  if (onPath) return { kind: 'uv', command: onPath, private: false };
  if (wanted === 'uv') {
    if (existsSync(privateUvPath())) return { kind: 'uv', command: privateUvPath(), private: true };
    throw new Error(
      '--installer uv: uv is not on PATH; install it (https://docs.astral.sh/uv/) or use --installer auto',
    );
  }
  try {
    return { kind: 'uv', command: await ensurePrivateUv(python, onLine), private: true };
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    return { kind: 'pip', note: `could not install a private uv (${reason}); using pip` };
  }
}
