/**
 * One `<node> [--import <preload>] args...` timed from spawn to exit, for the scaffold part: its wall time,
 * and with a preload the JSON report it wrote at its 'exit' event (lib/scaffold-phases.mjs,
 * lib/scaffold-breakdown-preload.mjs), to which `exitMs` adds how long the process took to go away after
 * that event (`exitAt` is process.hrtime in ns, a clock parent and child share).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

/** `preload`: { module, envVar, file }: the module to --import and the file it is told (in envVar) to write. */
export function timeNode(node, args, { cwd, env, preload }) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(node, preload ? ['--import', preload.module, ...args] : args, {
      cwd,
      env: { ...process.env, CI: '1', ...env, ...(preload ? { [preload.envVar]: preload.file } : {}) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      const ended = process.hrtime.bigint();
      clearTimeout(timer);
      const ms = performance.now() - t0;
      if (code !== 0) {
        reject(
          new Error(`${node} ${args.join(' ')} exited with ${code}: ${err.trim().split('\n').slice(-5).join('\n')}`),
        );
        return;
      }
      if (!preload) return resolve({ ms });
      const report = JSON.parse(readFileSync(preload.file, 'utf8'));
      rmSync(preload.file, { force: true });
      resolve({ ms, report: { ...report, exitMs: Number(ended - BigInt(report.exitAt)) / 1e6 } });
    });
  });
}
