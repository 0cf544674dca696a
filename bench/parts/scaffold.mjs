/**
 * Part 1: CLI speed. Wall time of `create-traced-service <dir> --yes --no-install --no-smoke` against
 * `create-vite <dir> --template vanilla-ts --no-interactive --no-immediate`, on Node 20, 22 and 24 in the
 * same run (every rep runs each tool on each Node, interleaved, in a fresh target directory).
 * Both run as `node <bin>` so that npx/npm registry resolution (network) is excluded from both.
 * Ours runs with its code cache warm (bin/code-cache.cjs keeps it under os.tmpdir(), here one TMPDIR kept
 * for the whole run) and cold (an empty TMPDIR every time: a first run after install, which writes the cache). Then, per Node: where each run's time goes
 * (lib/scaffold-phases.mjs) and which built-in modules it loads, then one scaffold split into named parts
 * (lib/scaffold-breakdown.mjs); start-up of --version/--help, which modules each command loads, and what
 * each runtime dependency costs to import on its own.
 * $BENCH_SCAFFOLD_BASELINE=<bin> adds another build of the CLI (e.g. main's, copied into bench/.work) to the
 * interleaved reps, so that a change is measured against it in the same run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLtsNode } from '../../scripts/lts-node.mjs';
import { census, importCosts, PURPOSE } from '../lib/module-census-report.mjs';
import { GOAL } from '../lib/scaffold-results.mjs';
import { breakdownByNode } from '../lib/scaffold-breakdown.mjs';
import { runCmd } from '../lib/run-cmd.mjs';
import { timeNode as timedNode } from '../lib/timed-node.mjs';
import { median, min } from '../lib/stats.mjs';
import { CLI_BIN, WORK } from '../lib/paths.mjs';

const PHASES_PRELOAD = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'scaffold-phases.mjs');
export const CREATE_VITE_SPEC = 'create-vite@9';
/** The Node majors compared: the oldest supported, the one between, the current LTS (what npx mostly runs on). */
export const NODE_MAJORS = [20, 22, 24];

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

/**
 * The Node binaries to compare: the one running the bench for its own major, the others from the npm
 * registry's node-<platform>-<arch> packages, cached once in the user's cache (scripts/lts-node.mjs, which
 * the test suite uses for Node 24 too). A major that cannot be obtained is left out, with a note.
 */
function nodeBinaries(log) {
  const own = Number(process.versions.node.split('.')[0]);
  const nodes = [];
  for (const major of NODE_MAJORS) {
    try {
      const bin = major === own ? process.execPath : ensureLtsNode(major);
      const version = major === own ? process.versions.node : readVersion(bin);
      nodes.push({ major, bin, version });
    } catch (error) {
      log(`  Node ${major} left out: ${error instanceof Error ? error.message.split('\n')[0] : error}`);
    }
  }
  return nodes;
}

function readVersion(bin) {
  return execFileSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
}

function countFiles(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += countFiles(path.join(dir, e.name));
    else n++;
  }
  return n;
}

/** Wall time of one `<node> args...` from spawn to exit, in ms (and with phasesFile, where its time went). */
async function timeNode(node, args, { cwd, env, phasesFile }) {
  const preload = phasesFile ? { module: PHASES_PRELOAD, envVar: 'BENCH_PHASES', file: phasesFile } : undefined;
  const { ms, report } = await timedNode(node, args, { cwd, env, preload });
  return { ms, phases: report };
}

const summary = (samples) => ({ median: median(samples), min: min(samples), samples });

/**
 * One rep: every Node, every tool, in an order that rotates with the rep, so that no combination always
 * runs first or right after the same other one. Targets are relative (create-vite joins them to the cwd).
 */
async function runRep(i, nodes, tools, { dir, warmTmp, record }) {
  const nodeOrder = nodes.map((_, k) => nodes[(k + i) % nodes.length]);
  for (const node of nodeOrder) {
    const ids = Object.keys(tools);
    const order = i % 2 === 0 ? ids : [...ids].reverse();
    for (const id of order) {
      const name = `${id}-${node.major}-${i}`;
      const coldTmp = tools[id].cold ? mkdtempSync(path.join(WORK, 'cold-tmp-')) : undefined;
      const { ms } = await timeNode(node.bin, tools[id].args(name), {
        cwd: dir,
        env: { TMPDIR: coldTmp ?? warmTmp },
      });
      if (coldTmp) rmSync(coldTmp, { recursive: true, force: true });
      record(node, id, ms, path.join(dir, name));
      rmSync(path.join(dir, name), { recursive: true, force: true });
    }
  }
}

/** Where one run's time goes on each Node (median of `n`), for ours (warm cache) and create-vite. */
async function phasesByNode(nodes, tools, { dir, warmTmp, n }) {
  const out = {};
  for (const node of nodes) {
    out[node.major] = {};
    for (const id of ['ours', 'vite', 'bare']) {
      const runs = [];
      for (let i = 0; i < n; i++) {
        const name = `phases-${id}-${i}`;
        runs.push(
          (
            await timeNode(node.bin, tools[id].args(name), {
              cwd: dir,
              env: { TMPDIR: warmTmp },
              phasesFile: path.join(WORK, `phases-${process.pid}.json`),
            })
          ).phases,
        );
        rmSync(path.join(dir, name), { recursive: true, force: true });
      }
      out[node.major][id] = {
        startupMs: median(runs.map((r) => r.startupMs)),
        runMs: median(runs.map((r) => r.runMs)),
        exitMs: median(runs.map((r) => r.exitMs)),
        builtins: runs[0].builtins,
      };
    }
  }
  return out;
}

export async function runScaffold({ reps = 10, warmup = 2 } = {}, log = console.log) {
  const vite = await ensureCreateVite(log);
  const nodes = nodeBinaries(log);
  const dir = path.join(WORK, 'scaffold');
  const warmTmp = path.join(WORK, 'scaffold-tmp');
  for (const d of [dir, warmTmp]) {
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d, { recursive: true });
  }
  const ours = (target) => [CLI_BIN, target, '--yes', '--no-install', '--no-smoke'];
  const tools = {
    ours: { args: ours },
    oursCold: { args: ours, cold: true },
    vite: {
      args: (target) => [vite.bin, target, '--template', 'vanilla-ts', '--no-interactive', '--no-immediate'],
    },
    bare: { args: () => ['-e', '0'] },
  };
  const baselineBin = process.env.BENCH_SCAFFOLD_BASELINE;
  if (baselineBin)
    tools.baseline = { args: (target) => [path.resolve(baselineBin), target, '--yes', '--no-install', '--no-smoke'] };
  const samples = Object.fromEntries(
    nodes.map((n) => [n.major, Object.fromEntries(Object.keys(tools).map((id) => [id, []]))]),
  );
  const files = {};
  for (let i = 0; i < warmup + reps; i++) {
    await runRep(i, nodes, tools, {
      dir,
      warmTmp,
      record: (node, id, ms, target) => {
        if (id !== 'bare') files[id] ??= countFiles(target);
        if (i >= warmup) samples[node.major][id].push(ms);
      },
    });
  }
  const byNode = nodes.map((node) => {
    const s = samples[node.major];
    const r = {
      major: node.major,
      version: node.version,
      ours: summary(s.ours),
      oursCold: summary(s.oursCold),
      vite: summary(s.vite),
      bare: summary(s.bare),
    };
    r.ratio = r.ours.median / r.vite.median;
    r.coldRatio = r.oursCold.median / r.vite.median;
    if (baselineBin) {
      r.baseline = summary(s.baseline);
      r.baselineRatio = r.baseline.median / r.vite.median;
      log(
        `  Node ${node.version}: baseline ($BENCH_SCAFFOLD_BASELINE) ${r.baseline.median.toFixed(0)} ms: ${r.baselineRatio.toFixed(2)} × create-vite; ours ÷ baseline ${(r.ours.median / r.baseline.median).toFixed(2)}`,
      );
    }
    log(
      `  Node ${node.version}: ours ${r.ours.median.toFixed(0)} ms (cold compile cache ${r.oursCold.median.toFixed(0)}), create-vite ${r.vite.median.toFixed(0)} ms, bare node ${r.bare.median.toFixed(0)} ms: ${r.ratio.toFixed(2)} × (cold ${r.coldRatio.toFixed(2)} ×)`,
    );
    return r;
  });

  const phases = await phasesByNode(nodes, tools, { dir, warmTmp, n: Math.max(3, Math.ceil(reps / 2)) });
  for (const node of nodes) {
    const p = phases[node.major];
    log(
      `  Node ${node.major} phases: ours start-up ${p.ours.startupMs.toFixed(0)} + run ${p.ours.runMs.toFixed(0)} + exit ${p.ours.exitMs.toFixed(0)} ms, ${p.ours.builtins.length} built-ins; create-vite ${p.vite.startupMs.toFixed(0)} + ${p.vite.runMs.toFixed(0)} + ${p.vite.exitMs.toFixed(0)} ms, ${p.vite.builtins.length} built-ins`,
    );
  }

  const breakdown = await breakdownByNode(nodes, (target) => ours(target).slice(1), {
    dir,
    warmTmp,
    n: Math.max(3, Math.ceil(reps / 2)),
  });
  for (const node of nodes) {
    const b = breakdown.byNode[node.major];
    const top = Object.entries(b.parts)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 6)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`);
    log(`  Node ${node.major} breakdown (instrumented run ${b.wallMs.toFixed(0)} ms): ${top.join(', ')} ms`);
  }
  if (breakdown.missing.length) log(`  breakdown: functions not found in the bundle: ${breakdown.missing.join(', ')}`);

  const startup = {};
  for (const [id, args] of [
    ['ours --version', [CLI_BIN, '--version']],
    ['ours --help', [CLI_BIN, '--help']],
    ['create-vite --help', [vite.bin, '--help']],
  ]) {
    const s = [];
    for (let i = 0; i < 5; i++)
      s.push((await timeNode(process.execPath, args, { cwd: dir, env: { TMPDIR: warmTmp } })).ms);
    startup[id] = median(s);
    log(`  ${id}: median ${startup[id].toFixed(0)} ms`);
  }

  const modules = {
    'ours: scaffold (--yes --no-install --no-smoke)': await census(tools.ours.args('census-ours'), dir),
    'ours: --help': await census([CLI_BIN, '--help'], dir),
    'create-vite: scaffold': await census(tools.vite.args('census-vite'), dir),
  };
  rmSync(dir, { recursive: true, force: true });
  rmSync(warmTmp, { recursive: true, force: true });
  for (const [k, v] of Object.entries(modules))
    log(`  modules loaded, ${k}: ${v.files} files from ${Object.keys(v.byPackage).length} packages`);
  const costs = await importCosts();
  log(
    `  import cost alone: ${Object.entries(costs)
      .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
      .join(', ')}`,
  );

  const own = byNode.find((r) => r.major === Number(process.versions.node.split('.')[0])) ?? byNode[0];
  const goals = byNode
    .filter((r) => GOAL.majors.includes(r.major))
    .map((r) => ({ major: r.major, version: r.version, ratio: r.ratio, met: r.ratio <= GOAL.ratio }));
  return {
    config: {
      reps,
      warmup,
      command: 'node bin/create-traced-service.js <dir> --yes --no-install --no-smoke',
      viteCommand: `node create-vite@${vite.version} <dir> --template vanilla-ts --no-interactive --no-immediate`,
    },
    byNode,
    files,
    viteVersion: vite.version,
    phases,
    breakdown,
    // The running Node's figures under the names earlier results used (RESULTS.md's start-up line).
    ours: { ...own.ours, files: files.ours },
    vite: { ...own.vite, files: files.vite, version: vite.version },
    ratio: own.ratio,
    startup,
    modules,
    purpose: PURPOSE,
    imports: { costs, bareNodeMs: own.bare.median },
    goal: {
      target: `scaffold time ≤ ${GOAL.ratio} × create-vite on Node ${GOAL.majors.join(' and ')}`,
      byNode: goals,
      met: goals.length === GOAL.majors.length && goals.every((g) => g.met),
    },
  };
}
