/**
 * Preload (`node --import ./bench/lib/scaffold-phases.mjs <bin> ...`) that splits one CLI run, the same way
 * for both tools the scaffold part compares: Node's own start-up (process start to the first user code),
 * the run (from there to the 'exit' event), and which of Node's built-in modules the run loaded. Written
 * as JSON to the file named by $BENCH_PHASES; `exitAt` is process.hrtime in ns (a clock the parent shares),
 * so the parent can tell how long the process took to go away after its 'exit' event.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_PHASES;
if (file) {
  // process.uptime(), not performance.now(): the `performance` global loads perf_hooks on first use,
  // which would add a built-in module to every run measured.
  const startedMs = process.uptime() * 1000;
  const builtinsBefore = new Set(process.moduleLoadList);
  process.on('exit', () => {
    const exitAt = process.hrtime.bigint();
    const runMs = process.uptime() * 1000 - startedMs;
    const builtins = process.moduleLoadList
      .filter((m) => !builtinsBefore.has(m) && m.startsWith('NativeModule '))
      .map((m) => m.slice('NativeModule '.length));
    writeFileSync(file, JSON.stringify({ startupMs: startedMs, runMs, exitAt: String(exitAt), builtins }));
  });
}
