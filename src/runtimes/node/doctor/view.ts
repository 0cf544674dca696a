/**
 * What `doctor` reads of an existing Node service, on top of the analysis add-tracing works from
 * (NodeProject in ../existing/project.ts): the entry module's text, the service's own sources, and which
 * copies of @opentelemetry/instrumentation npm installed. Read only.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { analyseNodeProject, type NodeProject } from '../existing/project.js';
import { parseStartScript } from '../existing/start-command.js';
import { readTextSync } from '../../../core/read-file.js';

export interface SourceFile {
  /** Relative to the project, with forward slashes. */
  path: string;
  text: string;
}

/** Doctor's view of a Node service: the shared analysis plus the sources and installed copies doctor reads. */
export interface NodeDoctorView {
  root: string;
  packageJson: {
    type?: string;
    main?: string;
    scripts?: Record<string, string>;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  /** The module the start script (or "main") runs, when it exists. */
  entry?: SourceFile;
  /** The service's own modules: src/ and the project root, without dependencies or build output. */
  sources: SourceFile[];
  /** Installed copies of @opentelemetry/instrumentation: path (relative) and version. */
  instrumentationCopies: { path: string; version: string }[];
  /** The analysis this reading is built on (shared with add-tracing). */
  analysis: NodeProject;
}

const SOURCE_EXT = /\.(?:[cm]?[jt]s)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'build-test', 'coverage', '.git', 'out']);
const MAX_SOURCES = 400;
const MAX_BYTES = 512 * 1024;

function readSource(root: string, rel: string): SourceFile | undefined {
  const file = path.join(root, rel);
  try {
    return { path: rel.split(path.sep).join('/'), text: readTextSync(file, { maxBytes: MAX_BYTES }) };
  } catch {
    return undefined;
  }
}

function walkSources(root: string): SourceFile[] {
  const out: SourceFile[] = [];
  const visit = (rel: string, depth: number) => {
    if (out.length >= MAX_SOURCES || depth > 6) return;
    let names: string[];
    try {
      names = readdirSync(path.join(root, rel)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const childRel = rel ? path.join(rel, name) : name;
      let isDir = false;
      try {
        isDir = statSync(path.join(root, childRel)).isDirectory();
      } catch {
        continue;
      }
      if (isDir) {
        if (!SKIP_DIRS.has(name) && !name.startsWith('.')) visit(childRel, depth + 1);
      } else if (SOURCE_EXT.test(name) && !name.endsWith('.d.ts')) {
        const source = readSource(root, childRel);
        if (source) out.push(source);
      }
    }
  };
  visit('', 0);
  return out;
}

/** The module a start script runs with node (or tsx): its first argument that is not an option. */
export function entryOfStartScript(script: string): string | undefined {
  return parseStartScript(script).command?.entry?.replace(/^\.\//, '');
}

function instrumentationCopies(root: string): NodeDoctorView['instrumentationCopies'] {
  const found: NodeDoctorView['instrumentationCopies'] = [];
  const check = (rel: string) => {
    try {
      const pkg = JSON.parse(readTextSync(path.join(root, rel, 'package.json'))) as { version?: string };
      found.push({ path: rel.split(path.sep).join('/'), version: pkg.version ?? '?' });
    } catch {
      /* not there */
    }
  };
  const top = path.join('node_modules', '@opentelemetry', 'instrumentation');
  check(top);
  // Nested copies sit one level down, under the package that needed another version.
  const modules = path.join(root, 'node_modules');
  const packages: string[] = [];
  try {
    for (const name of readdirSync(modules)) {
      if (name.startsWith('@')) {
        for (const sub of readdirSync(path.join(modules, name))) packages.push(path.join(name, sub));
      } else packages.push(name);
    }
  } catch {
    return found;
  }
  for (const pkg of packages)
    check(path.join('node_modules', pkg, 'node_modules', '@opentelemetry', 'instrumentation'));
  return found;
}

export function readNodeDoctorView(root: string, analysis: NodeProject = analyseNodeProject(root)): NodeDoctorView {
  const packageJson = 'error' in analysis.packageJson ? {} : analysis.packageJson.data;
  const entry = analysis.entry?.exists ? readSource(root, analysis.entry.source) : undefined;
  return {
    root,
    packageJson,
    ...(entry ? { entry } : {}),
    sources: walkSources(root),
    instrumentationCopies: instrumentationCopies(root),
    analysis,
  };
}
