/**
 * Where one scaffold run spends its time, in named parts that add up to the run: an unminified build of the
 * CLI in bench/.work/scaffold-breakdown, instrumented the same way every time (a mark at each module region
 * of its chunks, CommonJS module bodies and a few named functions wrapped, the create chunk's import()
 * timed), run under lib/scaffold-breakdown-preload.mjs, which charges each moment to what is on top of its
 * stack and also times the built-in modules and data files loaded. Unminified code compiles a little slower
 * than dist/, so its run is a little longer than the measured one; the split is what it is for.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.mjs';
import { timeNode } from './timed-node.mjs';
import { ROOT, WORK } from './paths.mjs';

const PRELOAD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scaffold-breakdown-preload.mjs');
const DIR = path.join(WORK, 'scaffold-breakdown');

/** Functions of the bundle timed as a whole (their own time, what they call that is timed apart aside). */
const WRAPPED = {
  main: 'cli: main (commander parse)',
  buildProgram: 'commander: build program',
  createUi: 'create: the rest',
  createCommand: 'create: the rest',
  gatherOptions: 'create: the rest',
  parseOptionsOrThrow: 'options: parse (zod)',
  plan: 'render (plan)',
  generatedAnswersText: 'answers record',
  recordFiles: 'answers record',
  writeStep: 'write',
  printNextSteps: 'create: the rest',
};
// The create chunk's lazy load as rolldown writes it in CommonJS: a require() in a promise's callback.
const CREATE_IMPORT = /\(\) => require\((["'])(\.\/create-[\w-]+\.cjs)\1\)/g;

/** The parts shown, in order, each with the labels it takes (see partOf). */
export const PARTS = [
  'Node start-up',
  'bundle files: read, compile, link',
  'template data files (.cjs)',
  'commander',
  'zod: library code',
  'zod: schema construction',
  'zod: parsing the options',
  'built-in modules',
  'handlebars: library code',
  'other module code',
  'rendering',
  'answers record (sha256, gzip)',
  'writing',
  'create: the rest',
  'after main: until the exit event',
  'exit',
];

function partOf(label, zodRegions) {
  if (label.startsWith('load: .cjs')) return 'template data files (.cjs)';
  if (label.startsWith('load: ')) return 'bundle files: read, compile, link';
  if (label.startsWith('built-in node:')) return 'built-in modules';
  if (label.startsWith('module node_modules/zod/')) return 'zod: library code';
  if (label.startsWith('module node_modules/commander/') || label.startsWith('commander:') || label.startsWith('cli:'))
    return 'commander';
  if (label.startsWith('module node_modules/handlebars/')) return 'handlebars: library code';
  if (label.startsWith('module '))
    return zodRegions.has(label.slice(7)) ? 'zod: schema construction' : 'other module code';
  if (label === 'options: parse (zod)') return 'zod: parsing the options';
  if (label === 'render (plan)') return 'rendering';
  if (label === 'answers record') return 'answers record (sha256, gzip)';
  if (label === 'write') return 'writing';
  if (label.startsWith('after main')) return 'after main: until the exit event';
  return 'create: the rest';
}

/** Module id as rolldown names its region (`// <name>`): relative to the root, virtual ids as `\0...`. */
function regionName(id) {
  if (id.startsWith('\0')) return `\\0${id.slice(1)}`;
  return path.isAbsolute(id) ? path.relative(ROOT, id).split(path.sep).join('/') : id;
}

/** One chunk's code with its marks; collects the regions that build zod schemas and the wrapped functions. */
function instrumentChunk(code, moduleIds, found) {
  const names = new Set(moduleIds.map(regionName));
  const lines = code.split('\n');
  const out = [];
  let region;
  let cjsPending = false;
  for (const line of lines) {
    const m = /^\/\/ (\S.*)$/.exec(line);
    if (m && names.has(m[1])) {
      names.delete(m[1]);
      region = m[1];
      out.push(`__cts.region(${JSON.stringify(region)});`);
      cjsPending = true;
      out.push(line);
      continue;
    }
    let l = line;
    // In CommonJS chunks the helper is the runtime chunk's: `require_rolldown_runtime.__commonJSMin(`.
    const commonJs = cjsPending && /=\s*\/\*\s*@__PURE__\s*\*\/\s*((?:[\w$]+\.)?__commonJSMin)\(/.exec(l);
    if (commonJs) {
      l = l.replace(`${commonJs[1]}(`, `__cts.cjs(${commonJs[1]}, ${JSON.stringify(region)}, `);
      cjsPending = false;
    } else if (l.trim() !== '') cjsPending = false;
    if (region?.startsWith('src/') && /(?<![\w$.])z\.\w+\(/.test(l)) found.zodRegions.add(region);
    const fn = /^(async )?function ([\w$]+)\(/.exec(l);
    if (fn && WRAPPED[fn[2]] && !found.wrapped.has(fn[2])) {
      found.wrapped.add(fn[2]);
      l = l.replace(`function ${fn[2]}(`, `function ${fn[2]}__cts(`);
      out.push(l);
      found.tail.push(
        `function ${fn[2]}(...args) { return __cts.call(${JSON.stringify(WRAPPED[fn[2]])}, ${fn[2]}__cts, this, args); }`,
      );
      continue;
    }
    l = l.replace(
      CREATE_IMPORT,
      (_, q, file) =>
        `() => __cts.call("load: the create chunk (read, compile, link)", () => require(${q}${file}${q}), undefined, [])`,
    );
    out.push(l);
  }
  return out;
}

/**
 * Builds the unminified CLI into bench/.work/scaffold-breakdown and instruments it; returns its bin and
 * which regions build zod schemas. The real dist/ is left alone.
 */
export function prepareBreakdown() {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const report = path.join(DIR, 'report.json');
  const dist = path.join(DIR, 'dist');
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'scripts', 'build.mjs'), '--no-minify', '--out-dir', dist, '--report', report],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  cpSync(path.join(ROOT, 'package.json'), path.join(DIR, 'package.json'));
  cpSync(path.join(ROOT, 'bin'), path.join(DIR, 'bin'), { recursive: true });
  const found = { zodRegions: new Set(), wrapped: new Set(), tail: [] };
  for (const chunk of JSON.parse(readFileSync(report, 'utf8'))) {
    const file = path.join(dist, chunk.file);
    found.tail = [];
    const lines = instrumentChunk(readFileSync(file, 'utf8'), chunk.modules, found);
    writeFileSync(file, [...lines, '__cts.regionEnd();', ...found.tail, ''].join('\n'));
  }
  const bin = path.join(DIR, 'bin', 'create-traced-service.js');
  const binText = readFileSync(bin, 'utf8');
  const call = 'main(process.argv).then(';
  if (!binText.includes(call)) throw new Error(`${bin}: no \`${call}\` to mark the end of main at`);
  writeFileSync(
    bin,
    binText.replace(call, 'main(process.argv).finally(() => __cts.base("after main: until the exit event")).then('),
  );
  const missing = Object.keys(WRAPPED).filter((f) => !found.wrapped.has(f));
  return { bin, zodRegions: found.zodRegions, missing };
}

/** One instrumented run: wall time, the preload's totals per label, and the exit (lib/timed-node.mjs). */
async function runOnce(node, bin, args, { cwd, env }) {
  const file = path.join(WORK, `breakdown-${process.pid}.json`);
  const preload = { module: PRELOAD, envVar: 'BENCH_BREAKDOWN', file };
  const { ms, report } = await timeNode(node, [bin, ...args], { cwd, env, preload });
  return { ...report, wallMs: ms };
}

/** The run's labels grouped into PARTS, and the built-in modules it loaded with their time. */
function split(run, zodRegions) {
  const parts = Object.fromEntries(PARTS.map((p) => [p, 0]));
  parts['Node start-up'] = run.startupMs;
  parts.exit = run.exitMs;
  const builtins = {};
  for (const [label, ms] of Object.entries(run.totals)) {
    parts[partOf(label, zodRegions)] += ms;
    if (label.startsWith('built-in node:')) builtins[label.slice('built-in '.length)] = ms;
  }
  return { parts, builtins, labels: run.totals };
}

const medianOf = (rows, key) => {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r[key])))];
  return Object.fromEntries(keys.map((k) => [k, median(rows.map((r) => r[key][k] ?? 0))]));
};

/**
 * Per Node, the median of `n` instrumented scaffolds (after one warm-up that fills the compile cache):
 * parts, built-in modules, the 15 costliest labels, and the instrumented run's wall time.
 */
export async function breakdownByNode(nodes, args, { dir, warmTmp, n }) {
  const { bin, zodRegions, missing } = prepareBreakdown();
  const out = { missing, zodRegions: [...zodRegions].sort(), runs: n, byNode: {} };
  for (const node of nodes) {
    const rows = [];
    for (let i = 0; i <= n; i++) {
      const name = `breakdown-${node.major}-${i}`;
      const run = await runOnce(node.bin, bin, args(name), { cwd: dir, env: { TMPDIR: warmTmp } });
      rmSync(path.join(dir, name), { recursive: true, force: true });
      if (i > 0) rows.push({ ...split(run, zodRegions), wallMs: run.wallMs });
    }
    const labels = medianOf(rows, 'labels');
    out.byNode[node.major] = {
      parts: medianOf(rows, 'parts'),
      builtins: medianOf(rows, 'builtins'),
      top: Object.fromEntries(
        Object.entries(labels)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 15),
      ),
      wallMs: median(rows.map((r) => r.wallMs)),
    };
  }
  return out;
}
