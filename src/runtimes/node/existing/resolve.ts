/**
 * Where a module path leads, as Node resolves it (exact file, then the extensions Node adds, then a
 * directory's package.json "main" and index file), with a TypeScript source standing for the JavaScript
 * file it compiles to; and, for a start command's entry that is built, the source it is built from and
 * the build that makes it. Only the file system is read.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { readTextSync } from '../../../core/read-file.js';

/** The extensions Node's CommonJS resolver tries, in its order. */
const NODE_EXTS = ['.js', '.mjs', '.cjs', '.json', '.node'];
/** Sources a compiler turns into .js/.mjs/.cjs: a TypeScript project imports `./x.js` meaning `./x.ts`. */
const SOURCE_EXTS = ['.ts', '.tsx', '.mts', '.cts', '.jsx'];
const TS_COUNTERPARTS: Record<string, string[]> = {
  '.js': ['.ts', '.tsx'],
  '.jsx': ['.tsx'],
  '.mjs': ['.mts'],
  '.cjs': ['.cts'],
};

/** Modules read as data or native code, never parsed as JavaScript. */
export const isDataModule = (file: string) => /\.(json|node)$/.test(file);

function isFile(root: string, rel: string): boolean {
  try {
    return statSync(path.join(root, rel)).isFile();
  } catch {
    return false;
  }
}

function isDirectory(root: string, rel: string): boolean {
  try {
    return statSync(path.join(root, rel)).isDirectory();
  } catch {
    return false;
  }
}

function mainOf(root: string, dir: string): string | undefined {
  try {
    const main = (JSON.parse(readTextSync(path.join(root, dir, 'package.json'))) as { main?: unknown }).main;
    return typeof main === 'string' && main ? path.posix.join(dir, main) : undefined;
  } catch {
    return undefined;
  }
}

function asFile(root: string, base: string): string | undefined {
  if (isFile(root, base)) return base;
  const ext = path.posix.extname(base);
  for (const counterpart of TS_COUNTERPARTS[ext] ?? []) {
    const candidate = `${base.slice(0, -ext.length)}${counterpart}`;
    if (isFile(root, candidate)) return candidate;
  }
  for (const e of [...NODE_EXTS, ...SOURCE_EXTS]) if (isFile(root, `${base}${e}`)) return `${base}${e}`;
  return undefined;
}

function asDirectory(root: string, base: string, depth: number): string | undefined {
  if (!isDirectory(root, base)) return undefined;
  const main = mainOf(root, base);
  if (main && depth < 3) {
    const found = asFile(root, main) ?? asDirectory(root, main, depth + 1);
    if (found) return found;
  }
  return asFile(root, path.posix.join(base, 'index'));
}

/**
 * A project-relative path resolved to a file of the project: `build` -> `build/index.js`,
 * `./src/server` -> `src/server.js`, `./db.js` -> `db.ts` in TypeScript sources. Undefined when nothing
 * matches or the path leaves the project.
 */
export function resolvePath(root: string, rel: string): string | undefined {
  const base = path.posix.normalize(rel.replace(/\\/g, '/')).replace(/\/$/, '');
  if (base === '..' || base.startsWith('../') || path.posix.isAbsolute(base)) return undefined;
  return asFile(root, base) ?? asDirectory(root, base, 0);
}

/** A relative import or require() of `fromFile`, resolved; bare specifiers (packages) are not. */
export function resolveLocal(root: string, fromFile: string, spec: string): string | undefined {
  if (spec !== '.' && spec !== '..' && !spec.startsWith('./') && !spec.startsWith('../')) return undefined;
  return resolvePath(root, path.posix.join(path.posix.dirname(fromFile), spec));
}

export interface TypeScriptLayout {
  outDir?: string;
  rootDir?: string;
}

/** Build output folders by convention, when no tsconfig.json names one. */
const CONVENTIONAL_OUT = /^(?:dist|build|out|lib)\//;

/** dist/server.js -> src/server.ts when tsc builds src/ into dist/ (or by the dist|build|out convention). */
function sourceOfBuilt(root: string, built: string, ts: TypeScriptLayout | undefined): string | undefined {
  const noExt = built.replace(/\.[cm]?js$/, '');
  if (ts?.outDir && built.startsWith(`${ts.outDir}/`)) {
    const inner = noExt.slice(ts.outDir.length + 1);
    for (const r of [ts.rootDir, 'src', ''].filter((r): r is string => r !== undefined)) {
      for (const ext of ['.ts', '.mts', '.cts', '.tsx']) {
        const candidate = path.posix.join(r, `${inner}${ext}`);
        if (isFile(root, candidate)) return candidate;
      }
    }
  }
  if (CONVENTIONAL_OUT.test(built) && /\.[cm]?js$/.test(built)) {
    const inner = noExt.replace(CONVENTIONAL_OUT, '');
    for (const ext of ['.ts', '.mts', '.tsx', '.js', '.mjs']) {
      const candidate = `src/${inner}${ext}`;
      if (isFile(root, candidate)) return candidate;
    }
  }
  return undefined;
}

/** Words of a build script that name an output: esbuild --outdir/--outfile, tsup/swc -d/--out-dir, -o. */
function buildOutputs(script: string): { dirs: string[]; files: string[]; sources: string[] } {
  const words = script.split(/\s+/).filter(Boolean);
  const dirs: string[] = [];
  const files: string[] = [];
  const sources: string[] = [];
  const norm = (w: string) =>
    w
      .replace(/^['"]|['"]$/g, '')
      .replace(/^\.\//, '')
      .replace(/\/$/, '');
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const [flag, inline] = w.includes('=') ? [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)] : [w, undefined];
    const value = () => norm(inline ?? words[++i] ?? '');
    if (['--outdir', '--out-dir', '-d', '--dir'].includes(flag)) dirs.push(value());
    else if (['--outfile', '--out-file', '-o', '--file'].includes(flag)) files.push(value());
    else if (!w.startsWith('-') && /\.[cm]?[jt]sx?$/.test(w)) sources.push(norm(w));
  }
  return { dirs, files, sources };
}

export interface ResolvedEntry {
  /** The file Node runs for the entry (`build` -> `build/index.js`), built or not. */
  file: string;
  /** The source file read for it: the file itself, or the source it is built from. */
  source: string;
  exists: boolean;
  /** The entry is the output of a build (tsc's outDir, an esbuild/tsup output, dist/ from src/). */
  built: boolean;
  /** The build script names the source and the entry as its output (so a bundling script bundles it). */
  fromBuildScript?: true;
}

/**
 * The entry a start command names, resolved as `node <entry>` resolves it. When it is not built yet
 * (a fresh checkout), the file it will be is guessed from the build script and the usual layouts.
 */
export function resolveEntry(
  root: string,
  run: string,
  ts: TypeScriptLayout | undefined,
  buildScript: string | undefined,
): ResolvedEntry {
  const rel = path.posix.normalize(run.replace(/^\.\//, '')).replace(/\/$/, '');
  const onDisk = resolvePath(root, rel);
  const candidates = onDisk ? [onDisk] : /\.[cm]?js$/.test(rel) ? [rel] : [`${rel}.js`, `${rel}/index.js`];
  const outputs = buildOutputs(buildScript ?? '');
  for (const file of candidates) {
    const source = sourceOfBuilt(root, file, ts);
    if (source) return { file, source, exists: true, built: true };
    // esbuild src/main.ts --outdir=build, tsup server/app.ts -d out: one source into the entry's folder.
    const named = outputs.sources.filter((s) => isFile(root, s));
    const intoEntry =
      outputs.files.includes(file) || outputs.dirs.some((d) => path.posix.dirname(file) === d || file === d);
    if (intoEntry && named.length === 1)
      return { file, source: named[0]!, exists: true, built: true, fromBuildScript: true };
  }
  const file = onDisk ?? rel;
  const inOutDir = ts?.outDir !== undefined && file.startsWith(`${ts.outDir}/`);
  return { file, source: file, exists: onDisk !== undefined, built: inOutDir };
}
