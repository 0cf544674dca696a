/** RESULTS.md section and goal rows for the scaffold part: our scaffold against create-vite, per Node version. */
import { ms, status, table } from './markdown.mjs';

const GOAL_TEXT = 'scaffold time ≤ 1.3 × create-vite on Node 20 and on Node 24';
/** The goal (issue #22): on the oldest supported Node and on the current LTS. */
export const GOAL = { ratio: 1.3, majors: [20, 24] };

/** Results stored before the part compared Node versions hold one Node's figures: shown as that. */
function byNode(d) {
  if (d.byNode) return d.byNode;
  return [{ major: undefined, version: '(the bench’s)', ours: d.ours, vite: d.vite, ratio: d.ratio }];
}

/** One goal row per Node version the goal names (Summary of goals). */
export function scaffoldGoalRows(d) {
  if (!d?.goal?.byNode) {
    const legacy = d ? `${d.ratio.toFixed(2)} × (${ms(d.ours.median)} vs ${ms(d.vite.median)}, one Node)` : '—';
    return [['1. CLI speed', GOAL_TEXT, legacy, d ? status(false) : status(undefined)]];
  }
  const runs = byNode(d);
  return d.goal.byNode.map((g) => {
    const r = runs.find((x) => x.major === g.major);
    return [
      `1. CLI speed, Node ${g.major}`,
      d.goal.target,
      `${g.ratio.toFixed(2)} × (${ms(r.ours.median)} vs ${ms(r.vite.median)} on ${g.version}, medians of ${d.config.reps})`,
      status(g.met),
    ];
  });
}

function speedTable(d) {
  const runs = byNode(d);
  return table(
    [
      'Node',
      'ours',
      'ours, cold compile cache',
      `create-vite@${d.viteVersion ?? d.vite.version}`,
      'bare `node -e 0`',
      '**ours ÷ create-vite**',
      'cold ÷ create-vite',
      'min ÷ min',
      ...(runs.some((r) => r.baseline) ? ['baseline build ÷ create-vite'] : []),
    ],
    runs.map((r) => [
      r.version,
      ms(r.ours.median),
      ms(r.oursCold?.median),
      ms(r.vite.median),
      ms(r.bare?.median),
      `**${r.ratio.toFixed(2)} ×**`,
      r.coldRatio == null ? '—' : `${r.coldRatio.toFixed(2)} ×`,
      `${(r.ours.min / r.vite.min).toFixed(2)} ×`,
      ...(runs.some((x) => x.baseline) ? [r.baselineRatio == null ? '—' : `${r.baselineRatio.toFixed(2)} ×`] : []),
    ]),
    [null, 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

/** Per Node: start-up, run and exit of each tool, and the built-in modules ours loads that create-vite does not. */
function phasesPart(d) {
  if (!d.phases) return [];
  const runs = byNode(d);
  const label = { ours: 'ours', vite: 'create-vite', bare: 'bare `node -e 0`' };
  const rows = [];
  const extra = [];
  for (const r of runs) {
    const p = d.phases[r.major];
    if (!p) continue;
    for (const id of ['ours', 'vite', 'bare']) {
      const x = p[id];
      rows.push([r.version, label[id], ms(x.startupMs, 1), ms(x.runMs, 1), ms(x.exitMs, 1), x.builtins.length]);
    }
    const vite = new Set(p.vite.builtins);
    const only = p.ours.builtins.filter((b) => !vite.has(b));
    extra.push(`- Node ${r.version}: ${only.length ? only.map((b) => `\`${b}\``).join(', ') : 'none'}`);
  }
  return [
    '### Where each run spends its time',
    '',
    'Split by a preload (bench/lib/scaffold-phases.mjs) in the same way for every command, medians: Node’s start-up is process start to the first user code, the run goes from there to the `exit` event (the preload itself costs a little of it), the exit from that event until the parent sees the process gone; the wall times above also hold spawning the process.',
    '',
    table(['Node', 'Command', 'Node start-up', 'run', 'exit', 'built-in modules loaded by the run'], rows, [
      null,
      null,
      'r',
      'r',
      'r',
      'r',
    ]),
    '',
    'Built-in modules our scaffold loads that create-vite’s does not:',
    '',
    ...extra,
    '',
  ];
}

/** Per Node: one scaffold split into named parts (lib/scaffold-breakdown.mjs), create-vite's phases beside it. */
function breakdownPart(d) {
  const b = d.breakdown;
  if (!b) return [];
  const runs = byNode(d).filter((r) => b.byNode[r.major]);
  const parts = Object.keys(b.byNode[runs[0]?.major]?.parts ?? {});
  if (parts.length === 0) return [];
  const sum = (o) => Object.values(o).reduce((a, x) => a + x, 0);
  const rows = parts.map((p) => [p, ...runs.map((r) => ms(b.byNode[r.major].parts[p], 1))]);
  rows.push(['**sum of the parts**', ...runs.map((r) => `**${ms(sum(b.byNode[r.major].parts), 1)}**`)]);
  rows.push(['instrumented run, spawn to exit', ...runs.map((r) => ms(b.byNode[r.major].wallMs, 1))]);
  for (const [id, name] of [
    ['startupMs', 'Node start-up'],
    ['runMs', 'run'],
    ['exitMs', 'exit'],
  ])
    rows.push([`create-vite: ${name}`, ...runs.map((r) => ms(d.phases?.[r.major]?.vite?.[id], 1))]);
  const builtins = runs.map((r) => {
    const list = Object.entries(b.byNode[r.major].builtins)
      .sort((x, y) => y[1] - x[1])
      .map(([k, v]) => `\`${k}\` ${ms(v, 1)}`);
    return `- Node ${r.version}: ${list.length ? list.join(', ') : 'none'}`;
  });
  const top = runs.map(
    (r) =>
      `- Node ${r.version}: ${Object.entries(b.byNode[r.major].top)
        .slice(0, 10)
        .map(([k, v]) => `${k} ${ms(v, 1)}`)
        .join('; ')}`,
  );
  return [
    '### One scaffold, part by part',
    '',
    `An unminified build of the CLI (bench/.work/scaffold-breakdown), instrumented by lib/scaffold-breakdown.mjs the same way every run: a mark at each module region of its chunks, each CommonJS module body, the built-in modules and template data files it loads, the create chunk's \`import()\` and a few named functions timed; every moment is charged to what is innermost, so the parts add up to the run. Medians of ${b.runs ?? 'several'} runs per Node after a warm-up (compile cache warm); unminified code compiles a little slower than dist/. "zod: schema construction" is the evaluation of the modules that build zod schemas (${b.zodRegions.map((z) => `\`${z}\``).join(', ')}); "commander" holds its code, building the program and parsing; "bundle files" is reading, compiling and linking the chunks before they run.`,
    '',
    table(['Part (ms)', ...runs.map((r) => `Node ${r.version}`)], rows, [null, ...runs.map(() => 'r')]),
    '',
    'Built-in modules the run loaded, with the time each took to load (its own dependencies included):',
    '',
    ...builtins,
    '',
    'The costliest single labels (a module region, a timed function, a load):',
    '',
    ...top,
    '',
  ];
}

function censusPart(d) {
  const census = d.modules;
  const keys = Object.keys(census);
  const pkgs = [...new Set(keys.flatMap((k) => Object.keys(census[k].byPackage)))].sort();
  const chains = census[keys[0]].chains ?? {};
  const out = [
    '### What each command loads',
    '',
    table(
      ['Package', ...keys.map((k) => `${k} (files)`), 'import alone', 'needed for'],
      [
        ...pkgs.map((pkg) => [
          pkg,
          ...keys.map((k) => census[k].byPackage[pkg]?.files ?? ''),
          d.imports.costs[pkg] != null ? ms(d.imports.costs[pkg]) : '',
          d.purpose[pkg] ?? '',
        ]),
        ['**total module files**', ...keys.map((k) => `**${census[k].files}**`), '', ''],
      ],
      [null, ...keys.map(() => 'r'), 'r', null],
    ),
    '',
    '"import alone" is the time to `import` that dependency in a fresh Node process (median of 3), i.e. roughly what loading it costs; transitive packages are counted under the runtime dependency that pulls them in.',
    '',
  ];
  if (Object.keys(chains).length) {
    out.push(
      'Why each package is loaded by the scaffold run (shortest import chain through the dist/ files it loaded; → static import, ⇢ dynamic `import()`):',
      '',
      ...Object.entries(chains).map(([k, v]) => `- \`${k}\`: ${v}`),
      '',
    );
  }
  const dist = census[keys[0]].byPackage['(create-traced-service dist/)'];
  if (dist) {
    out.push(
      `dist/ is a rolldown bundle with the templates precompiled into it (scripts/build.mjs): the scaffold run loaded ${dist.files} of its files, ${(dist.bytes / 1024).toFixed(0)} kB (what every run loads in one chunk, what a scaffold adds in another: each file Node resolves, reads and links costs start-up time); the gRPC receiver, the installer, the prompts and add-tracing are chunks it never loads. The chunks are CommonJS, loaded by the bin through a V8 code cache that the first run writes at exit (bin/code-cache.cjs, under \`os.tmpdir()\`), so it holds every function that run compiled, on every Node: the cold column (an empty TMPDIR) is a first run after installing.`,
      '',
    );
  }
  return out;
}

/**
 * For each Node that misses the goal: how many ms the median run is over it, the parts of the breakdown
 * where ours spends more than create-vite's whole run does, and what outside this project would close it.
 */
function gapPart(d) {
  const missed = (d.goal?.byNode ?? []).filter((g) => !g.met);
  if (missed.length === 0) return [];
  const lines = missed.map((g) => {
    const row = d.byNode.find((n) => n.major === g.major);
    const over = row ? row.ours.median - GOAL.ratio * row.vite.median : Number.NaN;
    const parts = d.breakdown?.byNode?.[g.major]?.parts ?? {};
    const biggest = Object.entries(parts)
      .filter(([k]) => k !== 'Node start-up')
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([k, v]) => `${k} ${ms(v)}`)
      .join(', ');
    const crypto = d.breakdown?.byNode?.[g.major]?.builtins?.['node:crypto'];
    return `- Node ${g.version}: ${ms(over)} over ${GOAL.ratio} × create-vite. Its largest parts after start-up: ${biggest}.${crypto ? ` \`node:crypto\` alone takes ${ms(crypto)} to load (it loads every internal crypto module for a hash: key objects, ciphers, X.509; a Node that loads them on first use would save most of it).` : ''} The rest is fixed work the scaffold does once (zod's chained schemas, commander's options, writing 20 files atomically, the answers record) and Node's own exit, each a few ms: what would close the gap is upstream (Node loading crypto's parts lazily; zod building a schema without a new instance per chained method) rather than in this project.`;
  });
  return ['### What the goal still needs', '', ...lines, ''];
}

export function scaffoldSection(d) {
  if (!d) return '## 1. CLI speed\n\nNot run yet: `npm run bench -- scaffold`.\n';
  return [
    '## 1. CLI speed',
    '',
    `Wall time from spawn to exit of \`node <bin>\` (npx/registry resolution excluded for both): \`create-traced-service <dir> --yes --no-install --no-smoke\` (${d.files?.ours ?? d.ours.files} files) against \`create-vite <dir> --template vanilla-ts --no-interactive --no-immediate\` (${d.files?.vite ?? d.vite.files} files), ${d.config.warmup} warm-up reps then ${d.config.reps} reps, each rep running every command on every Node interleaved, fresh target directory every time; medians. Goal: ${d.goal.target ?? GOAL_TEXT}.`,
    '',
    speedTable(d),
    '',
    `Start-up on the bench's Node: ${Object.entries(d.startup)
      .map(([k, v]) => `\`${k}\` ${ms(v)}`)
      .join(', ')}; a bare \`node -e 0\` takes ${ms(d.imports.bareNodeMs)} there.`,
    '',
    ...phasesPart(d),
    ...breakdownPart(d),
    ...gapPart(d),
    ...censusPart(d),
  ].join('\n');
}
