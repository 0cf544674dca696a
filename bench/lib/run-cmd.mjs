/** Runs a short command to completion (build, install, version probes), bounded in time. */
import { spawn } from 'node:child_process';

export function runCmd(command, args, { cwd, env, timeoutMs = 300_000, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: env ?? process.env,
      stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (err += c));
    if (input) child.stdin.end(input);
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${command}: ${e.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout: out, stderr: err });
      else {
        const tail = `${err}\n${out}`.trim().split('\n').slice(-15).join('\n');
        reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}\n${tail}`));
      }
    });
  });
}

/** stdout of a command, or undefined when it fails. */
export async function probe(command, args, opts) {
  try {
    return (await runCmd(command, args, { timeoutMs: 20_000, ...opts })).stdout.trim();
  } catch {
    return undefined;
  }
}
