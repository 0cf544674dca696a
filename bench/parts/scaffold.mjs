/**
 * Part 1: CLI speed. Wall time of `create-traced-service <dir> --yes --no-install --no-smoke` against
 * `create-vite <dir> --template vanilla-ts --no-interactive --no-immediate`, interleaved in the same run.
 * Both run as `node <bin>` so that npx/npm registry resolution (network) is excluded from both.
 * Then: start-up time of --version/--help, which modules each command loads, and what each runtime
 * dependency costs to import on its own.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCmd } from '../lib/run-cmd.mjs';
import { median, min } from '../lib/stats.mjs';
import { CLI_BIN, ROOT, WORK } from '../lib/paths.mjs';

const LIB = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib');
const CENSUS_PRELOAD = path.join(LIB, 'module-census.mjs');
export const CREATE_VITE_SPEC = 'create-vite@9';

/** What a dependency is for, to tell which ones a scaffold-only run should not need to load. */
const PURPOSE = {
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

async function ensureCreateVite(log) {
  const tools = path.join(WORK, 'tools');
  const pkg = path.join(tools, 'node_modules', 'create-vite', 'package.json');
  if (!existsSync(pkg) || !JSON.parse(readFileSync(pkg, 'utf8')).version.startsWith('9.')) {
    log(`installing ${CREATE_VITE_SPEC} into bench/.work/tools (npm)`);
    mkdirSync(tools, { recursive: true });
    await runCmd('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', tools, CREATE_VITE_SPEC], {
      timeoutMs: 180_000,
    });
  }
  const meta = JSON.parse(readFileSync(pkg, 'utf8'));
  const bin = typeof meta.bin === 'string' ? meta.bin : meta.bin['create-vite'];
  return { bin: path.join(tools, 'node_modules', 'create-vite', bin), version: meta.version };
}

function countFiles(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += countFiles(path.join(dir, e.name));
    else n++;
  }
  return n;
}

/** Wall time of one `node args...` from spawn to exit, in ms. */
function timeNode(args, { cwd, env }) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      cwd,
      env: env ?? { ...process.env, CI: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else
        reject(new Error(`node ${args.join(' ')} exited with ${code}: ${err.trim().split('\n').slice(-5).join('\n')}`));
    });
  });
}

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

const STATIC_IMPORT = /^\s*(?:import|export)\s+(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * Why each package is loaded: the shortest import chain from dist/cli.js to the dist file that imports
 * it, through dist files the run actually loaded. "→" is a static import, "⇢" a dynamic import().
 */
function importChains(loadedFiles) {
  const distDir = path.join(ROOT, 'dist');
  const loaded = new Set([...loadedFiles].filter((f) => f.startsWith(distDir + path.sep)));
  const entry = path.join(distDir, 'cli.js');
  const chainOf = new Map([[entry, 'cli.js']]);
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
      if (spec.startsWith('node:')) continue;
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
async function census(args, cwd) {
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

/** ms to import each runtime dependency alone in a fresh node (median of 3), and a bare node start. */
async function importCosts() {
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
  const bare = [];
  for (let i = 0; i < 5; i++) bare.push(await timeNode(['-e', '0'], { cwd: ROOT }));
  return { costs, bareNodeMs: median(bare) };
}

export async function runScaffold({ reps = 10, warmup = 2 } = {}, log = console.log) {
  const vite = await ensureCreateVite(log);
  const dir = path.join(WORK, 'scaffold');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tools = {
    ours: { args: (target) => [CLI_BIN, target, '--yes', '--no-install', '--no-smoke'], samples: [] },
    vite: {
      args: (target) => [vite.bin, target, '--template', 'vanilla-ts', '--no-interactive', '--no-immediate'],
      samples: [],
    },
  };
  const files = {};
  for (let i = 0; i < warmup + reps; i++) {
    // Alternate which tool goes first, so neither always runs on a warmer cache.
    const order = i % 2 === 0 ? ['ours', 'vite'] : ['vite', 'ours'];
    for (const id of order) {
      // Relative target (create-vite joins it to the working directory), the same for both tools.
      const name = `${id}-${i}`;
      const target = path.join(dir, name);
      const ms = await timeNode(tools[id].args(name), { cwd: dir });
      files[id] ??= countFiles(target);
      rmSync(target, { recursive: true, force: true });
      if (i >= warmup) tools[id].samples.push(ms);
    }
  }
  const ours = {
    median: median(tools.ours.samples),
    min: min(tools.ours.samples),
    samples: tools.ours.samples,
    files: files.ours,
  };
  const viteR = {
    median: median(tools.vite.samples),
    min: min(tools.vite.samples),
    samples: tools.vite.samples,
    files: files.vite,
    version: vite.version,
  };
  log(
    `  create-traced-service --yes --no-install --no-smoke: median ${ours.median.toFixed(0)} ms (min ${ours.min.toFixed(0)}), ${ours.files} files`,
  );
  log(
    `  create-vite ${vite.version} --template vanilla-ts:    median ${viteR.median.toFixed(0)} ms (min ${viteR.min.toFixed(0)}), ${viteR.files} files`,
  );
  log(`  ratio ${(ours.median / viteR.median).toFixed(2)}x`);

  const startup = {};
  for (const [id, args] of [
    ['ours --version', [CLI_BIN, '--version']],
    ['ours --help', [CLI_BIN, '--help']],
    ['create-vite --help', [vite.bin, '--help']],
  ]) {
    const s = [];
    for (let i = 0; i < 5; i++) s.push(await timeNode(args, { cwd: dir }));
    startup[id] = median(s);
    log(`  ${id}: median ${startup[id].toFixed(0)} ms`);
  }

  const modules = {
    'ours: scaffold (--yes --no-install --no-smoke)': await census(tools.ours.args('census-ours'), dir),
    'ours: --help': await census([CLI_BIN, '--help'], dir),
    'create-vite: scaffold': await census(tools.vite.args('census-vite'), dir),
  };
  rmSync(dir, { recursive: true, force: true });
  for (const [k, v] of Object.entries(modules))
    log(`  modules loaded, ${k}: ${v.files} files from ${Object.keys(v.byPackage).length} packages`);
  const imports = await importCosts();
  log(
    `  bare node start ${imports.bareNodeMs.toFixed(0)} ms; import cost alone: ${Object.entries(imports.costs)
      .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
      .join(', ')}`,
  );

  const ratio = ours.median / viteR.median;
  return {
    config: {
      reps,
      warmup,
      command: 'node bin/create-traced-service.js <dir> --yes --no-install --no-smoke',
      viteCommand: `node create-vite@${vite.version} <dir> --template vanilla-ts --no-interactive --no-immediate`,
    },
    ours,
    vite: viteR,
    ratio,
    startup,
    modules,
    purpose: PURPOSE,
    imports,
    goal: { target: 'scaffold time ≤ 1.5 × create-vite', ratio, met: ratio <= 1.5 },
  };
}
