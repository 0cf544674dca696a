/**
 * The interpreter that parses a project's code: the newest Python installed on the machine (pyenv and
 * uv-managed installs, then python3.X / python3 on PATH), never one inside the project being inspected,
 * so analysis executes nothing from the repository. It only runs templates/add-tracing/analyze.py, in
 * isolated mode from a directory outside the project.
 */
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export interface ParserPython {
  command: string;
  version: string;
}

const MINORS = [14, 13, 12, 11, 10, 9];

function versionOf(name: string): [number, number, number] | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(name);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** Interpreters the way pyenv and uv keep them, plus the ones PATH names, each with the version its name says. */
function candidates(): { command: string; version?: [number, number, number] }[] {
  const out: { command: string; version?: [number, number, number] }[] = [];
  const home = os.homedir();
  const pyenvRoot = process.env.PYENV_ROOT ?? path.join(home, '.pyenv');
  const uvRoot = process.env.UV_PYTHON_INSTALL_DIR ?? path.join(process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'uv', 'python');
  for (const [dir, pattern] of [
    [path.join(pyenvRoot, 'versions'), /^3\.\d+\.\d+$/],
    [uvRoot, /^cpython-3\.\d+\.\d+-/],
  ] as const) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => pattern.test(n))) {
      const command = path.join(dir, name, 'bin', 'python3');
      if (existsSync(command)) out.push({ command, version: versionOf(name) });
    }
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const minor of MINORS) {
      const command = path.join(dir, `python3.${minor}`);
      if (existsSync(command)) out.push({ command, version: [3, minor, 0] });
    }
    const plain = path.join(dir, 'python3');
    if (existsSync(plain)) out.push({ command: plain });
  }
  return out;
}

function inside(file: string, root: string): boolean {
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return true; // unresolvable: do not run it
  }
  const rel = path.relative(root, real);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Runs `python -I -c ...` from outside the project; the version it reports, or undefined. */
async function probe(command: string): Promise<string | undefined> {
  try {
    const { stdout } = await execa(command, ['-I', '-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
      cwd: os.tmpdir(),
      timeout: 15_000,
      env: { PYENV_VERSION: 'system' },
    });
    return /^\d+\.\d+\.\d+$/.test(stdout.trim()) ? stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

const cache = new Map<string, Promise<ParserPython>>();

/** The newest machine interpreter outside `projectRoot`; $CTS_PARSER_PYTHON overrides the search. */
export function parserPython(projectRoot: string): Promise<ParserPython> {
  const root = (() => {
    try {
      return realpathSync(projectRoot);
    } catch {
      return path.resolve(projectRoot);
    }
  })();
  const key = `${root}\0${process.env.CTS_PARSER_PYTHON ?? ''}\0${process.env.PATH ?? ''}`;
  if (!cache.has(key)) cache.set(key, find(root));
  return cache.get(key)!;
}

async function find(root: string): Promise<ParserPython> {
  const forced = process.env.CTS_PARSER_PYTHON;
  const list = forced ? [{ command: forced }] : candidates();
  const usable = list.filter((c) => !inside(c.command, root));
  // Newest first by the version the name says; unnamed ones (python3) last.
  usable.sort((a, b) => {
    const va = a.version ?? [0, 0, 0];
    const vb = b.version ?? [0, 0, 0];
    return vb[0] - va[0] || vb[1] - va[1] || vb[2] - va[2];
  });
  for (const c of usable) {
    const version = await probe(c.command);
    if (version) return { command: c.command, version };
  }
  throw new Error(
    `no Python interpreter outside the project was found to parse its code (looked in pyenv, uv and PATH${forced ? `, CTS_PARSER_PYTHON=${forced}` : ''}); install Python 3.12 or newer`,
  );
}
