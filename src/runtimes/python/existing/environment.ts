/**
 * The project's environment as add-tracing needs it: the Python it declares, the installed interpreter
 * that satisfies it, the matched OpenTelemetry set that installs next to its pinned framework, and the
 * lock files it keeps. Reads files only; the interpreters run are installed ones, never the project's.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PYTHON_FRAMEWORKS } from '../../../catalog/frameworks/index.js';
import { installedPythons } from '../installs.js';
import { satisfies } from '../pep440.js';
import { LINE_COMPAT, type OtelLineName } from '../../../catalog/python-sets.js';
import type { DependencyFile } from './deps.js';
import { chooseLine, LOCK_FILES, pinnedVersions, type LineChoice, type Pinned } from './otel-choice.js';
import {
  chooseInterpreter,
  missingPythonMessage,
  readDeclaredPython,
  type DeclaredPython,
  type Interpreter,
} from './project-python.js';
import { readTextIfExists } from '../../../core/read-file.js';

async function readIf(file: string): Promise<string | undefined> {
  return readTextIfExists(file);
}

/**
 * `name` in root or the nearest parent up to the repository's top (.git), as pyenv and uv look for
 * `.python-version` and as a uv workspace member finds the workspace's `uv.lock`.
 */
export function findUp(root: string, name: string): string | undefined {
  let dir = path.resolve(root);
  for (;;) {
    const file = path.join(dir, name);
    if (existsSync(file)) return file;
    const parent = path.dirname(dir);
    if (parent === dir || existsSync(path.join(dir, '.git'))) return undefined;
    dir = parent;
  }
}

export async function declaredPython(root: string): Promise<DeclaredPython> {
  const versionFile = findUp(root, '.python-version');
  const pythonVersion = versionFile ? await readIf(versionFile) : undefined;
  const pyproject = await readIf(path.join(root, 'pyproject.toml'));
  const dockerfile = await readIf(path.join(root, 'Dockerfile'));
  return readDeclaredPython({
    ...(pythonVersion !== undefined ? { pythonVersion } : {}),
    ...(pyproject !== undefined ? { pyproject } : {}),
    ...(dockerfile !== undefined ? { dockerfile } : {}),
  });
}

/** The lock files that govern the project, paths relative to it (a uv workspace member's lock is the workspace's). */
export async function readLocks(root: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  for (const name of LOCK_FILES) {
    const file = name === 'uv.lock' ? findUp(root, name) : path.join(root, name);
    const text = file ? await readIf(file) : undefined;
    if (file && text !== undefined) out.push({ path: path.relative(root, file), text });
  }
  return out;
}

export interface ProjectEnvironment {
  declared: DeclaredPython;
  pins: Pinned[];
  choice: LineChoice;
  /** The interpreter the smoke-test venv is built with; undefined when none installed fits. */
  interpreter?: Interpreter;
  /** Set when `interpreter` is undefined: the one-line refusal. */
  missing?: string;
}

/**
 * `python` (--python X.Y) overrides the declaration for the smoke-test venv; the OpenTelemetry set must
 * then install on it too.
 */
export async function projectEnvironment(
  root: string,
  framework: string,
  deps: DependencyFile[],
  requested?: OtelLineName,
  python?: string,
): Promise<ProjectEnvironment> {
  if (python !== undefined && !/^3\.\d+$/.test(python))
    throw new Error(`--python ${JSON.stringify(python)}: give a version as X.Y, e.g. --python 3.12`);
  const declared = await declaredPython(root);
  const pins = pinnedVersions(
    [framework, ...(framework === 'fastapi' ? ['starlette'] : [])],
    deps,
    await readLocks(root),
  );
  const lowest =
    python && (!declared.lowest || satisfies(`${declared.lowest}.0`, `>${python}.99`)) ? python : declared.lowest;
  const sources = python ? [...declared.sources, `--python ${python}`] : declared.sources;
  const choice = chooseLine({
    framework,
    pins,
    ...(lowest ? { lowestPython: lowest, pythonSources: sources } : {}),
    ...(requested ? { requested } : {}),
  });
  const installed = await installedPythons(root);
  const minimum = LINE_COMPAT[choice.line].python;
  if (python) {
    const interpreter = chooseInterpreter({ spec: '', pin: python }, installed, minimum);
    const found = installed.map((i) => i.version).join(', ') || 'none';
    const missing =
      `--python ${python}: it is not installed (found: ${found}); install it with \`pyenv install ${python}\` ` +
      `or \`uv python install ${python}\` — nothing was changed`;
    return { declared, pins, choice, ...(interpreter ? { interpreter } : { missing }) };
  }
  const interpreter = chooseInterpreter(declared, installed, minimum, newestPythonFor(framework, pins));
  return {
    declared,
    pins,
    choice,
    ...(interpreter ? { interpreter } : { missing: missingPythonMessage(declared, installed, minimum) }),
  };
}

/** The newest Python the framework release the project pins or locks runs on (none for a range's floor). */
export function newestPythonFor(framework: string, pins: Pinned[]): string | undefined {
  const descriptor = PYTHON_FRAMEWORKS.find((f) => f.name === framework);
  const table = descriptor?.existing.newestPython;
  const pinned = pins.find((p) => descriptor?.detectDistributions.includes(p.name) && !p.floor);
  if (!table || !pinned) return undefined;
  return table.find(([release]) => `${pinned.version}.`.startsWith(`${release}.`))?.[1];
}
