/**
 * Which modules a CLI run loads, grouped by the runtime dependency that pulls them in, with the import
 * chain that loads each and what each dependency costs to import alone (module-census.mjs records them).
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runCmd } from './run-cmd.mjs';
import { median } from './stats.mjs';
import { ROOT, WORK } from './paths.mjs';

const CENSUS_PRELOAD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'module-census.mjs');

/** What a dependency is for, to tell which ones a scaffold-only run should not need to load. */
export const PURPOSE = {
  '@clack/prompts': 'interactive prompts',
  '@clack/core': 'interactive prompts',
  '@grpc/grpc-js': 'OTLP receiver (smoke test)',
  '@grpc/proto-loader': 'OTLP receiver (smoke test)',
  protobufjs: 'OTLP receiver (smoke test)',
  long: 'OTLP receiver (smoke test)',
  execa: 'installer / smoke test',
  diff: 'diffs (add-tracing)',
  yaml: 'YAML',
  'smol-toml': 'TOML (project detection)',
  handlebars: 'template rendering',
  zod: 'option schema',
  commander: 'argument parsing',
  picocolors: 'colours',
  'fs-extra': 'file helpers',
};

function packageOf(file) {
  const parts = file.split('/node_modules/');
  if (parts.length < 2) {
    if (file.startsWith(path.join(ROOT, 'dist'))) return '(create-traced-service dist/)';
    if (file.startsWith(path.join(ROOT, 'bin'))) return '(create-traced-service bin/)';
    return '(other)';
  }
  const rest = parts.at(-1).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

/**
 * Maps every installed package to the first runtime dependency (package.json order) whose dependency
 * closure contains it, so that a transitive package is counted under the dependency that pulls it in.
 */
function dependencyOwners(nodeModules) {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const owners = {};
  const depsOf = (name) => {
    try {
      const meta = JSON.parse(readFileSync(path.join(nodeModules, name, 'package.json'), 'utf8'));
      return Object.keys({ ...(meta.dependencies ?? {}), ...(meta.optionalDependencies ?? {}) });
    } catch {
      return [];
    }
  };
  for (const top of Object.keys(pkg.dependencies ?? {})) {
    const queue = [top];
    while (queue.length) {
      const name = queue.shift();
      if (owners[name]) continue;
      owners[name] = top;
      queue.push(...depsOf(name));
    }
  }
  return owners;
}

// The bundle is CommonJS: a static import is a require() run with the file's body, a dynamic import() a
// require() in a promise's callback (`()=>require("./x.cjs")`).
const STATIC_IMPORT = /(?<!=>\s*)\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;
const DYNAMIC_IMPORT = /=>\s*require\(\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * Why each package is loaded: the shortest import chain from dist/cli.cjs to the dist file that imports
 * it, through dist files the run actually loaded. "→" is a static import, "⇢" a dynamic import().
 */
function importChains(loadedFiles) {
  const distDir = path.join(ROOT, 'dist');
  const loaded = new Set([...loadedFiles].filter((f) => f.startsWith(distDir + path.sep)));
  const entry = path.join(distDir, 'cli.cjs');
  const chainOf = new Map([[entry, 'cli.cjs']]);
  const queue = [entry];
  const chains = {};
  while (queue.length) {
    const file = queue.shift();
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const edges = [
      ...[...text.matchAll(STATIC_IMPORT)].map((m) => [m[1], '→']),
      ...[...text.matchAll(DYNAMIC_IMPORT)].map((m) => [m[1], '⇢']),
    ];
    for (const [spec, arrow] of edges) {
      if (isBuiltin(spec)) continue;
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        if (!loaded.has(target) || chainOf.has(target)) continue;
        chainOf.set(target, `${chainOf.get(file)} ${arrow} ${path.relative(distDir, target)}`);
        queue.push(target);
      } else {
        const parts = spec.split('/');
        const pkg = spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
        chains[pkg] ??= `${chainOf.get(file)} ${arrow} ${pkg}`;
      }
    }
  }
  return chains;
}

/** Module files loaded by `node args`, grouped by package. */
export async function census(args, cwd) {
  const out = path.join(WORK, `census-${process.pid}.txt`);
  await runCmd(process.execPath, ['--import', CENSUS_PRELOAD, ...args], {
    cwd,
    env: { ...process.env, CI: '1', BENCH_MODULE_CENSUS: out },
  });
  const files = new Set();
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    if (!line) continue;
    const p = line.startsWith('file:') ? fileURLToPath(line) : line;
    if (p === CENSUS_PRELOAD || p.endsWith('module-census-hooks.mjs')) continue;
    files.add(p);
  }
  rmSync(out, { force: true });
  const byPackage = {};
  const owners = dependencyOwners(path.join(ROOT, 'node_modules'));
  for (const f of files) {
    const name = packageOf(f);
    const pkg = owners[name] ?? name;
    byPackage[pkg] ??= { files: 0, bytes: 0 };
    byPackage[pkg].files++;
    try {
      byPackage[pkg].bytes += statSync(f).size;
    } catch {
      /* gone */
    }
  }
  return { files: files.size, byPackage, chains: importChains(files) };
}

/** ms to import each runtime dependency alone in a fresh node (median of 3). */
export async function importCosts() {
  // dist/ bundles its dependencies: these are what the bundle holds, measured from node_modules.
  const costs = {};
  const script = (spec) =>
    `const t=performance.now();await import(${JSON.stringify(spec)});process.stdout.write(String(performance.now()-t))`;
  for (const dep of Object.keys(PURPOSE).filter((d) => existsSync(path.join(ROOT, 'node_modules', d)))) {
    const samples = [];
    for (let i = 0; i < 3; i++) {
      try {
        const { stdout } = await runCmd(process.execPath, ['--input-type=module', '-e', script(dep)], { cwd: ROOT });
        samples.push(Number(stdout));
      } catch {
        break;
      }
    }
    if (samples.length) costs[dep] = median(samples);
  }
  return costs;
}
