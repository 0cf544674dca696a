#!/usr/bin/env node
/**
 * npm run bench [-- <part>...] [--quick] [--no-build] [--render]
 *
 * Parts: quickstart (create + install + smoke test, wall time), scaffold (CLI speed vs create-vite), overhead (tracing cost under load), collector (collector
 * down / hanging), shutdown (spans lost on SIGTERM / SIGKILL), profile (where a traced request's CPU goes, py-spy), node (the generated
 * Express service: shutdown and overhead), view (the live view: ingest, memory, opening a trace, request to screen, dev start). Default: all, in that order.
 * Prints each figure as it goes and rewrites bench/RESULTS.md (from bench/results.json) after each part.
 */
import os from 'node:os';
import { machineInfo } from './lib/machine.mjs';
import { cleanupAll, installCleanupHandlers } from './lib/proc.mjs';
import { loadStore, PART_ORDER, RESULTS_MD, saveStore } from './lib/results.mjs';
import { build, prepareGeneratedService, prepareServices, toolEnv } from './lib/workspace.mjs';
import { runCollector } from './parts/collector.mjs';
import { runNode } from './parts/node.mjs';
import { runOverhead } from './parts/overhead.mjs';
import { runProfile } from './parts/profile.mjs';
import { runQuickstart } from './parts/quickstart.mjs';
import { runScaffold } from './parts/scaffold.mjs';
import { runShutdown } from './parts/shutdown.mjs';
import { runSignals } from './parts/signals.mjs';
import { runView } from './parts/view.mjs';

const WALL_LIMIT_MS = 20 * 60_000;

function parseArgs(argv) {
  const parts = [];
  const flags = { quick: false, build: true };
  for (const a of argv) {
    if (a === '--quick') flags.quick = true;
    else if (a === '--no-build') flags.build = false;
    else if (a === '--render') flags.render = true;
    else if (a === '--help' || a === '-h') flags.help = true;
    else if (PART_ORDER.includes(a)) parts.push(a);
    else
      throw Object.assign(
        new Error(`unknown argument ${a}; parts: ${PART_ORDER.join(', ')}; flags: --quick, --no-build, --render`),
        { usage: true },
      );
  }
  return { parts: parts.length ? PART_ORDER.filter((p) => parts.includes(p)) : PART_ORDER, ...flags };
}

/** Run sizes; --quick is for checking the bench itself, not for publishing. */
function sizes(quick) {
  return quick
    ? {
        quickstart: { reps: 1 },
        scaffold: { reps: 3, warmup: 1 },
        overhead: { reps: 1, durationSec: 2, warmupSec: 1 },
        collector: { batchReps: 1, simpleReps: 1, durationSec: 4, soakSec: 6 },
        shutdown: { n: 200 },
        profile: { durationSec: 4 },
        signals: { reps: 1, durationSec: 2, warmupSec: 1 },
        node: { n: 200, reps: 1, durationSec: 2, warmupSec: 1, tailSec: 2 },
        view: { reps: 1, spans: 20_000, openReps: 3, screenReps: 3, startReps: 1 },
      }
    : {
        quickstart: { reps: 3 },
        scaffold: { reps: 10, warmup: 2 },
        overhead: { reps: 3, durationSec: 4, warmupSec: 1, connections: 8 },
        collector: { batchReps: 3, simpleReps: 1, rate: 400, durationSec: 6, stopGraceMs: 8_000, soakSec: 20 },
        shutdown: { n: 1000, concurrency: 4 },
        profile: { rate: 400, durationSec: 20 },
        signals: { reps: 3, durationSec: 4, warmupSec: 1, connections: 8 },
        node: { n: 1000, concurrency: 4, reps: 3, durationSec: 4, warmupSec: 1, connections: 8, rate: 400, tailSec: 6 },
        view: { reps: 3, spans: 100_000, concurrency: 4, openReps: 7, screenReps: 7, startReps: 3 },
      };
}

const log = (msg) => process.stdout.write(`${msg}\n`);

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    log(
      'usage: npm run bench [-- quickstart|scaffold|overhead|collector|shutdown|profile|signals|node|view ...] [--quick] [--no-build] [--render]',
    );
    return 0;
  }
  if (args.render) {
    // Only re-render RESULTS.md from results.json (after a change to lib/results.mjs); measures nothing.
    saveStore(loadStore());
    log(`wrote ${RESULTS_MD} from the stored results`);
    return 0;
  }
  installCleanupHandlers();
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: exceeded ${WALL_LIMIT_MS / 60_000} minutes, stopping\n`);
    void cleanupAll().finally(() => process.exit(1));
  }, WALL_LIMIT_MS);
  watchdog.unref();

  const started = performance.now();
  const size = sizes(args.quick);
  const store = loadStore();
  try {
    if (args.build) await build(log);
    const needsServices = args.parts.some((p) => !['scaffold', 'quickstart', 'node', 'view'].includes(p));
    const ws = needsServices ? await prepareServices(log) : undefined;
    const { uv } = await toolEnv();
    const machine = await machineInfo({ venv: ws?.venv, zeroVenv: ws?.zeroVenv, uv });
    log(
      `machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB; Node ${machine.node}${machine.python ? `; ${machine.python}` : ''}`,
    );
    if (args.quick) log('--quick: small runs to check the bench; figures are not for publishing');

    const runners = {
      quickstart: () => runQuickstart(size.quickstart, log),
      scaffold: () => runScaffold(size.scaffold, log),
      overhead: () => runOverhead(ws, size.overhead, log),
      collector: () => runCollector(ws, size.collector, log),
      shutdown: () => runShutdown(ws, size.shutdown, log),
      profile: () => runProfile(ws, size.profile, log),
      signals: () => runSignals(ws, size.signals, log),
      node: () => runNode(size.node, log),
      // The generated service as is: generated here unless another part of this run already did.
      view: async () => runView(ws ?? (await prepareGeneratedService(log)), size.view, log),
    };
    for (const part of args.parts) {
      log(`\n== ${part} ==`);
      const t0 = performance.now();
      // The 1-minute load average before and after: other work on a shared machine shows up here.
      const loadBefore = os.loadavg()[0];
      const data = await runners[part]();
      const loadAfter = os.loadavg()[0];
      store.parts[part] = {
        ranAt: new Date().toISOString(),
        durationSec: (performance.now() - t0) / 1000,
        quick: args.quick,
        load: [loadBefore, loadAfter],
        machine,
        data,
      };
      if (data.goal) log(`  goal: ${data.goal.target}: ${data.goal.met ? 'MET' : 'MISSED'}`);
      saveStore(store);
    }
    store.lastRun = {
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      durationSec: (performance.now() - started) / 1000,
      endedAt: new Date().toISOString(),
    };
    saveStore(store);
    log(`\nwrote ${RESULTS_MD} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    return 0;
  } finally {
    clearTimeout(watchdog);
    await cleanupAll();
  }
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    process.stderr.write(`bench: ${err?.usage ? err.message : (err?.stack ?? err)}\n`);
    await cleanupAll();
    process.exit(1);
  },
);
