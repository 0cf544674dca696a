/**
 * Installed Python interpreters, found the way pyenv and uv find them: $CTS_PYTHON, `pythonX.Y` and
 * `python3` on PATH (pyenv's shims skipped: they need PYENV_VERSION to mean anything), every
 * `$PYENV_ROOT/versions/<v>/bin/python`, and uv's managed installs. Nothing inside `exclude` (the
 * project being inspected) is ever executed.
 */
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { Interpreter } from './existing/project-python.js';

function pyenvRoot(): string {
  return process.env.PYENV_ROOT || path.join(os.homedir(), '.pyenv');
}

function uvPythonDir(): string {
  if (process.env.UV_PYTHON_INSTALL_DIR) return process.env.UV_PYTHON_INSTALL_DIR;
  const data = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(data, 'uv', 'python');
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() || e.isSymbolicLink())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/** Candidate executables, with where they were found; duplicates (same real path) removed later. */
export function candidatePaths(): { command: string; via: string }[] {
  const out: { command: string; via: string }[] = [];
  if (process.env.CTS_PYTHON) out.push({ command: process.env.CTS_PYTHON, via: '$CTS_PYTHON' });
  const shims = path.join(pyenvRoot(), 'shims');
  const names = ['python3', ...Array.from({ length: 12 }, (_, i) => `python3.${i + 8}`)];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || path.resolve(dir) === shims) continue;
    for (const name of names) {
      const file = path.join(dir, name);
      if (existsSync(file)) out.push({ command: file, via: 'PATH' });
    }
  }
  for (const v of subdirs(path.join(pyenvRoot(), 'versions'))) {
    const file = path.join(pyenvRoot(), 'versions', v, 'bin', 'python');
    if (existsSync(file)) out.push({ command: file, via: 'pyenv' });
  }
  const uvDir = uvPythonDir();
  for (const v of subdirs(uvDir).filter((d) => d.startsWith('cpython-'))) {
    const file = path.join(uvDir, v, 'bin', 'python3');
    if (existsSync(file)) out.push({ command: file, via: 'uv' });
  }
  return out;
}

function inside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

const versions = new Map<string, Promise<string | undefined>>();

function versionOf(command: string): Promise<string | undefined> {
  let v = versions.get(command);
  if (!v) {
    // Isolated (-I) and from outside any project: no PYTHON* variables, no user site, no cwd on sys.path.
    v = execa(command, ['-I', '-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
      cwd: os.tmpdir(),
      timeout: 15_000,
      env: { PYTHONDONTWRITEBYTECODE: '1' },
    }).then(
      ({ stdout }) => (/^\d+\.\d+\.\d+$/.test(stdout.trim()) ? stdout.trim() : undefined),
      () => undefined,
    );
    versions.set(command, v);
  }
  return v;
}

function realOf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/**
 * Every usable interpreter outside `exclude` (each is run once for its version, cached per process).
 * Candidates inside `exclude` are dropped before anything runs: a checkout's own venv is its code.
 */
export async function installedPythons(exclude?: string, only?: string[]): Promise<Interpreter[]> {
  const seen = new Set<string>();
  const candidates = only ? only.map((command) => ({ command, via: 'given' })) : candidatePaths();
  const unique = candidates.filter((c) => {
    const real = c.command.includes(path.sep) ? realOf(c.command) : c.command;
    if (seen.has(real)) return false;
    seen.add(real);
    if (exclude && c.command.includes(path.sep)) {
      const root = realOf(exclude);
      if (inside(real, root) || inside(path.resolve(c.command), path.resolve(exclude))) return false;
    }
    return true;
  });
  const found = await Promise.all(unique.map(async (c) => ({ ...c, version: await versionOf(c.command) })));
  return found.filter((f): f is Interpreter => f.version !== undefined);
}
