/**
 * What the smoke test of an existing project needs beyond the generated-project pipeline: a requirements
 * file that installs the project's own dependencies (requirements files, PEP 621 or Poetry), the start
 * command, and a GET route picked from the app's own route table.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse as parseToml } from 'smol-toml';
import { TEMPLATES_DIR } from '../../../core/paths.js';
import { importFailureMessage } from './import-error.js';
import { readLocks } from './environment.js';
import {
  normalizeName,
  orderedFiles,
  PIPFILE,
  poetryInstallLines,
  readPipfile,
  readPyproject,
  readRequirementsFile,
  readSetupCfg,
  type DependencyFile,
} from './deps.js';
import type { ServeTarget } from './types.js';
import { existingUvicorn } from '../../../catalog/frameworks/servers.js';
import { readTextIfExists } from '../../../core/read-file.js';

export const ROUTES_SCRIPT = path.join(TEMPLATES_DIR, 'add-tracing', 'routes.py');

/** argv for the smoke test, with `{port}` where the port goes (the answers file keeps it this way). */
export function serverCommand(serve: Pick<ServeTarget, 'module' | 'attr' | 'factory' | 'appDir'>): string[] {
  return existingUvicorn(serve);
}

async function readIf(file: string): Promise<string | undefined> {
  return readTextIfExists(file);
}

/** Files a requirements file pulls in with -r, transitively. */
function closure(start: string, byPath: Map<string, DependencyFile>): Set<string> {
  const seen = new Set<string>();
  const visit = (p: string) => {
    if (seen.has(p)) return;
    seen.add(p);
    for (const inc of byPath.get(p)?.includes ?? []) visit(inc);
  };
  visit(start);
  return seen;
}

/**
 * The lines of a requirements file that installs what the project runs with: its main dependency file
 * (after add-tracing's edits) and, for requirements files, everything they include.
 */
export async function installRequirementLines(root: string, dependencyFiles: string[]): Promise<string[]> {
  const lines: string[] = [];
  const hash = createHash('sha256');
  const reqFiles = new Map<string, DependencyFile>();
  const all: DependencyFile[] = [];
  for (const rel of new Set([...dependencyFiles, 'requirements.txt', 'pyproject.toml', 'setup.cfg', PIPFILE])) {
    const text = await readIf(path.join(root, rel));
    if (text === undefined) continue;
    if (rel.endsWith('pyproject.toml')) all.push(...readPyproject(rel, text));
    else if (rel === PIPFILE) all.push(readPipfile(rel, text));
    else if (rel.endsWith('setup.cfg')) {
      const f = readSetupCfg(rel, text);
      if (f) all.push(f);
    } else {
      const f = readRequirementsFile(rel, text);
      reqFiles.set(rel, f);
      all.push(f);
    }
  }
  // Requirements files included by the ones we know.
  const pending = [...reqFiles.values()].flatMap((f) => f.includes);
  while (pending.length > 0) {
    const rel = pending.pop()!;
    if (reqFiles.has(rel)) continue;
    const text = await readIf(path.join(root, rel));
    if (text === undefined) continue;
    const f = readRequirementsFile(rel, text);
    reqFiles.set(rel, f);
    pending.push(...f.includes);
  }
  const main = dependencyFiles[0];
  const primary = orderedFiles(all).find((f) => f.path === main) ?? orderedFiles(all)[0];
  if (!primary) return lines;
  if (primary.kind === 'requirements') {
    // requirements.txt usually includes the file that names the framework; install that one if so.
    const top =
      reqFiles.has('requirements.txt') && closure('requirements.txt', reqFiles).has(primary.path)
        ? 'requirements.txt'
        : primary.path;
    for (const rel of closure(top, reqFiles)) hash.update(`${rel}\n${(await readIf(path.join(root, rel))) ?? ''}\n`);
    lines.push(`# content hash ${hash.digest('hex').slice(0, 16)}`, `-r ${path.join(root, top)}`);
  } else if (primary.kind === 'pep621') {
    const data = parseToml((await readIf(path.join(root, primary.path)))!) as { project?: { dependencies?: string[] } };
    lines.push(...(data.project?.dependencies ?? []));
  } else if (primary.kind === 'poetry') {
    lines.push(...poetryInstallLines((await readIf(path.join(root, primary.path)))!));
  } else {
    lines.push(...primary.requirements.map((r) => `${r.written}${r.spec}`));
  }
  return lines;
}

/**
 * Writes the install list to a temporary file and returns its path relative to the project (the venv
 * helper resolves requirement files relative to the project and hashes their content for reuse).
 */
export async function writeInstallFile(
  root: string,
  dependencyFiles: string[],
): Promise<{ requirementsFile: string; cleanup: () => Promise<void> }> {
  const lines = await installRequirementLines(root, dependencyFiles);
  const dir = path.join(os.tmpdir(), `cts-install-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  // The project's lock decides versions, so the smoke test runs what the project deploys.
  const constraints = lockConstraints(await readLocks(root));
  if (constraints.length > 0) {
    await writeFile(path.join(dir, 'constraints.txt'), `${constraints.join('\n')}\n`);
    lines.push(`-c ${path.join(dir, 'constraints.txt')}`);
  }
  const file = path.join(dir, 'requirements.txt');
  await writeFile(file, `${lines.join('\n')}\n`);
  return { requirementsFile: path.relative(root, file), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** name==version for every package a lock file holds at one version (several = per-platform: left free). */
export function lockConstraints(locks: { path: string; text: string }[]): string[] {
  const seen = new Map<string, Set<string>>();
  for (const l of locks) {
    for (const m of l.text.matchAll(/^\[\[package\]\]\s*\nname\s*=\s*"([^"]+)"\s*\nversion\s*=\s*"([^"]+)"/gm)) {
      const name = normalizeName(m[1]!);
      seen.set(name, (seen.get(name) ?? new Set()).add(m[2]!));
    }
  }
  return [...seen]
    .filter(([, v]) => v.size === 1)
    .map(([name, v]) => `${name}==${[...v][0]}`)
    .sort();
}

export interface RouteChoice {
  template: string;
  path: string;
}

/** A request path is excluded when one of the excluded_urls fragments (regular expressions) matches it. */
export function isExcluded(requestPath: string, excludedUrls: string[]): boolean {
  return excludedUrls.some((u) => {
    try {
      return new RegExp(u).test(`http://127.0.0.1${requestPath}`);
    } catch {
      return false;
    }
  });
}

export function chooseRoute(
  routes: { template: string; path: string; pathParams: number }[],
  excludedUrls: string[],
): RouteChoice | undefined {
  const usable = routes.filter((r) => !isExcluded(r.path, excludedUrls));
  const best = [...usable].sort((a, b) => a.pathParams - b.pathParams)[0];
  return best ? { template: best.template, path: best.path } : undefined;
}

/** Imports the app with the venv's interpreter and reads its route table; a failure carries the real error. */
export async function discoverRoutes(
  python: string,
  root: string,
  serve: Pick<ServeTarget, 'module' | 'attr' | 'factory' | 'appDir'>,
  appEnv: { env?: Record<string, string>; envFile?: string } = {},
): Promise<{ template: string; path: string; pathParams: number }[]> {
  const result = await execa(
    python,
    [ROUTES_SCRIPT, serve.appDir || '.', serve.module, serve.attr, serve.factory ? '1' : '0'],
    {
      cwd: root,
      reject: false,
      timeout: 60_000,
      // The telemetry module is imported too: keep its SDK quiet and its exporter unused.
      env: { ...appEnv.env, OTEL_SDK_DISABLED: 'true', PYTHONDONTWRITEBYTECODE: '1' },
    },
  );
  if (result.exitCode !== 0)
    throw new Error(importFailureMessage(`${serve.module}:${serve.attr}`, String(result.stderr), appEnv.envFile));
  return JSON.parse(String(result.stdout)) as { template: string; path: string; pathParams: number }[];
}

/**
 * `--route`: a template like /items/{item_id} gets sample values; a concrete path like /items/42 gets its
 * template from the route table when one matches (the server span is named after the template).
 */
export function routeFromFlag(value: string, routes: { template: string }[] = []): RouteChoice {
  const given = value.trim();
  if (given.includes('{')) return { template: given, path: given.replace(/\{[^}/]+\}/g, '1') };
  const match = routes.find((r) => {
    const pattern = r.template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+');
    return new RegExp(`^${pattern}$`).test(given);
  });
  return { template: match?.template ?? given, path: given };
}
