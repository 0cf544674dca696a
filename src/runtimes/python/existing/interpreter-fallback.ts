/**
 * A project that pins no Python can pin a package that does not build on the newest interpreter installed
 * (no wheel for it yet, and its C source predates it): the venv is then built with the next installed
 * interpreter that fits, newest first, and the user is told which one and how to declare it.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { LINE_COMPAT, type OtelLineName } from '../../../catalog/python-sets.js';
import type { Ui } from '../../../core/ui.js';
import type { Installer } from '../../../options/schema.js';
import { InstallError } from '../../../core/errors.js';
import { findUv, preparePythonEnv, VENV_DIR } from '../env.js';
import { installedPythons } from '../installs.js';
import { parseVersion, satisfies } from '../pep440.js';
import type { DeclaredPython, Interpreter } from './project-python.js';
import { fits } from './project-python.js';

/** What an installer prints when it failed compiling a package, as opposed to resolving or downloading. */
const BUILD_FAILURE = [
  /Failed to build\b/i, // uv: "Failed to build `greenlet==3.0.1`"; pip: "Failed to build greenlet"
  /Failed building wheel for/i,
  /Building wheel for \S+ .*did not run successfully/i,
  /error: command '[^']*(gcc|cc|clang|g\+\+|c\+\+)' failed/i,
  /error: Command '\[['"](gcc|cc|clang|g\+\+|c\+\+)['"]/,
  /Build failures usually indicate/, // uv's hint under a failed build
  /Build backend failed to build wheel/i,
  /subprocess-exited-with-error/i,
];

export function isBuildFailure(output: string): boolean {
  return BUILD_FAILURE.some((p) => p.test(output));
}

/** `3.12.1` -> `3.12` */
const minorOf = (version: string) => version.split('.').slice(0, 2).join('.');

function newerFirst(a: Interpreter, b: Interpreter): number {
  const va = parseVersion(a.version)?.release ?? [];
  const vb = parseVersion(b.version)?.release ?? [];
  for (let i = 0; i < 3; i++) if ((va[i] ?? 0) !== (vb[i] ?? 0)) return (vb[i] ?? 0) - (va[i] ?? 0);
  return 0;
}

/**
 * The interpreters to try after `failed`: one per minor (its newest patch), older than `failed`, fitting
 * the declaration and the OpenTelemetry set's minimum, newest first.
 */
export function fallbackInterpreters(
  declared: Pick<DeclaredPython, 'spec' | 'pin'>,
  installed: Interpreter[],
  failed: Interpreter,
  minimum?: string,
): Interpreter[] {
  const seen = new Set([minorOf(failed.version)]);
  return [...installed]
    .sort(newerFirst)
    .filter((i) => newerFirst(i, failed) > 0 && fits(declared, i.version))
    .filter((i) => !minimum || satisfies(i.version, `>=${minimum}`))
    .filter((i) => !seen.has(minorOf(i.version)) && Boolean(seen.add(minorOf(i.version))));
}

/** The package the installer could not build, when its output names it. */
export function unbuiltPackage(output: string): string | undefined {
  return (
    /Failed to build `([^`]+)`/.exec(output)?.[1] ??
    /Failed (?:to build|building wheel for) ([A-Za-z0-9._-]+)/.exec(output)?.[1] ??
    /Building wheel for ([A-Za-z0-9._-]+) /.exec(output)?.[1]
  );
}

/**
 * Builds the smoke-test venv with `first`, then, while the install fails building a package, with each
 * fallback in turn. Returns the interpreter that built it (the caller's pipeline then reuses the venv), or
 * `first` when none did or the failure is not a build failure (the pipeline reports it as usual).
 */
export async function buildableInterpreter(
  first: Interpreter,
  fallbacks: Interpreter[],
  prepare: (python: Interpreter) => Promise<unknown>,
  ui: Pick<Ui, 'warn' | 'info'>,
): Promise<{ interpreter: Interpreter; advice?: string }> {
  const failed: string[] = [];
  let unbuilt: string | undefined;
  for (const python of [first, ...fallbacks]) {
    try {
      await prepare(python);
    } catch (error) {
      if (!(error instanceof InstallError) || !isBuildFailure(`${error.message}\n${error.outputTail}`))
        return { interpreter: first };
      unbuilt ??= unbuiltPackage(error.outputTail);
      failed.push(python.version);
      const next = fallbacks[failed.length - 1];
      if (next)
        ui.warn(
          `Python ${python.version} could not build ${unbuilt ?? 'a pinned package'}; trying Python ${next.version}`,
        );
      continue;
    }
    if (python === first) return { interpreter: first };
    const minor = minorOf(python.version);
    const advice =
      `the venv was built with Python ${python.version} (${python.command}): ${unbuilt ?? 'a pinned package'} does ` +
      `not build on ${failed.join(', ')}. Declare the Python the project runs on, e.g. ` +
      `\`requires-python = ">=${minor},<${nextMinor(minor)}"\` in pyproject.toml or \`${minor}\` in .python-version`;
    ui.warn(advice);
    return { interpreter: python, advice };
  }
  if (failed.length > 1)
    ui.warn(`no installed Python could build ${unbuilt ?? 'a pinned package'} (tried ${failed.join(', ')})`);
  return { interpreter: first };
}

function nextMinor(minor: string): string {
  const [major, n] = minor.split('.').map(Number);
  return `${major}.${(n ?? 0) + 1}`;
}

/**
 * Whether every requirement installs from a wheel on `version` (uv resolves, nothing is installed or built):
 * only when one does not is the venv built here, with fallbacks. Without uv, assume a build may be needed.
 */
export async function wheelsOnly(root: string, requirementsFile: string, version: string): Promise<boolean> {
  const uv = await findUv();
  if (!uv) return false;
  const r = await execa(
    uv,
    ['pip', 'compile', '--quiet', '--only-binary', ':all:', '--python-version', minorOf(version), requirementsFile],
    { cwd: root, reject: false, timeout: 300_000, env: { UV_PYTHON_DOWNLOADS: 'never' } },
  );
  return r.exitCode === 0;
}

/**
 * add-tracing's use of it: when the project pins no interpreter, none was asked for (--python) and a
 * requirement would be built from source on the chosen one, the venv is built here first, trying the
 * fallbacks on a build failure; the pipeline then reuses it. A venv this run creates is removed between
 * attempts (one built by another Python is never reused); one that was there before is left as it is.
 */
export async function smokeInterpreter(
  root: string,
  env: { declared: DeclaredPython; interpreter?: Interpreter; choice: { line: OtelLineName } },
  requirementsFile: string,
  options: { installer?: Installer },
  ui: Pick<Ui, 'warn' | 'info' | 'step'>,
): Promise<{ interpreter: Interpreter; advice?: string }> {
  const first = env.interpreter!;
  const venvDir = path.join(root, VENV_DIR);
  if (env.declared.pin || existsSync(venvDir)) return { interpreter: first };
  const minimum = LINE_COMPAT[env.choice.line].python;
  const fallbacks = fallbackInterpreters(env.declared, await installedPythons(root), first, minimum);
  if (fallbacks.length === 0 || (await wheelsOnly(root, requirementsFile, first.version)))
    return { interpreter: first };
  const fresh = () => rm(venvDir, { recursive: true, force: true });
  let built = false;
  const chosen = await buildableInterpreter(
    first,
    fallbacks,
    async (python) => {
      await fresh();
      // The installer's whole output: the line naming the package that failed is long before its tail.
      const lines: string[] = [];
      await ui
        .step(`Installing Python dependencies with Python ${python.version}`, (update) =>
          preparePythonEnv(root, {
            requirementsFile,
            onProgress: (line) => {
              lines.push(line);
              update(line);
            },
            basePython: { command: python.command, version: python.version },
            ...(options.installer ? { installer: options.installer } : {}),
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof InstallError)) throw error;
          throw new InstallError(error.message, `${lines.join('\n')}\n${error.outputTail}`, error.rerun);
        });
      built = true;
    },
    ui,
  );
  // Nothing built: the pipeline starts again from nothing with the first choice and reports its failure.
  if (!built) await fresh();
  return chosen;
}
