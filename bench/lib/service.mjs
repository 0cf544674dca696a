/** Starting and stopping one copy of the generated service, in its own process group. */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { importInternal } from './internals.mjs';
import { sleep, spawnGroup, waitGroupGone } from './proc.mjs';
import { groupCpuSeconds, groupPids, groupRssMiB } from './procfs.mjs';
import { WORK } from './paths.mjs';

let frameworkModule;
async function framework(name) {
  frameworkModule ??= await importInternal('frameworks');
  return frameworkModule.getFramework(name);
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The caller's environment minus OTEL_* (which would redirect spans), the venv first on PATH. */
export function serviceEnv(venv, extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_')) env[k] = v;
  if (venv) {
    env.PATH = `${path.join(venv, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`;
    env.VIRTUAL_ENV = venv;
    env.PYTHONUNBUFFERED = '1';
  }
  return { ...env, ...extra };
}

let seq = 0;

/**
 * Starts `dir` (a variant with app/) under `venv` with the framework's own server command (the one the
 * README and Dockerfile use; uvicorn with --no-access-log), optionally behind `wrapper` argv
 * (opentelemetry-instrument). `command(port)` gives the argv instead, with `healthPath`, for a service that is
 * not one of the Python framework descriptors (the Node services, bench/lib/node-workspace.mjs); `env` may
 * then be a function of the port.
 */
export async function startService({
  dir,
  venv,
  frameworkName = 'fastapi',
  command,
  healthPath,
  workers = 1,
  wrapper = [],
  env = {},
  label = 'svc',
  readyTimeoutMs = 30_000,
}) {
  const fw = command ? undefined : await framework(frameworkName);
  const port = await freePort();
  const server = command ? command(port) : fw.serverCommand({ host: '127.0.0.1', port, workers });
  // uvicorn logs every request by default; gunicorn does not.
  const argv = [...wrapper, ...server, ...(server[0] === 'uvicorn' ? ['--no-access-log'] : [])];
  const logFile = path.join(WORK, 'logs', `${String(++seq).padStart(3, '0')}-${label}.log`);
  mkdirSync(path.dirname(logFile), { recursive: true });
  const proc = spawnGroup(argv, {
    cwd: dir,
    env: serviceEnv(venv, typeof env === 'function' ? env(port) : env),
    logFile,
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  let ready = false;
  while (Date.now() < deadline && !proc.hasExited()) {
    try {
      const res = await fetch(base + (healthPath ?? fw.healthPath), { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) {
        ready = true;
        break;
      }
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  if (!ready) {
    const tail = proc.log().trimEnd().split('\n').slice(-15).join('\n');
    await proc.dispose();
    throw new Error(`${label}: the service did not become ready (${argv.join(' ')})\n${tail}`);
  }
  if (workers > 1) {
    // Every worker must be up, or the first requests would all go to one of them.
    const until = Date.now() + 15_000;
    while (groupPids(proc.pgid).length < workers + 1 && Date.now() < until) await sleep(100);
    await sleep(500);
  }
  return {
    ...proc,
    argv,
    base,
    logFile,
    cpuSeconds: () => groupCpuSeconds(proc.pgid),
    rssMiB: () => groupRssMiB(proc.pgid),
    /**
     * SIGTERM to the main process (as an orchestrator does), then wait for the whole group to be gone;
     * SIGKILL to the group after `graceMs`. Reports when the main process exited and when the last one did.
     */
    async stop(graceMs = 15_000, signal = 'SIGTERM') {
      const t0 = performance.now();
      proc.signal(signal);
      const main = await proc.waitExit(graceMs);
      const mainExitMs = main === 'timeout' ? undefined : main.atMs - t0;
      const gone = await waitGroupGone(proc.pgid, Math.max(0, graceMs - (performance.now() - t0)));
      const lastExitMs = performance.now() - t0;
      const killed = main === 'timeout' || !gone;
      await proc.dispose();
      return {
        killed,
        mainExitMs,
        groupExitMs: killed ? undefined : lastExitMs,
        exitCode: main === 'timeout' ? null : main.code,
        exitSignal: main === 'timeout' ? null : main.signal,
      };
    },
  };
}

/**
 * Stops a service the moment its last response arrived: SIGKILL (waits for the group to go) or a graceful
 * signal within `graceMs`; `signalDelayMs` is how long after that response the signal went.
 */
export async function stopRightAfter(svc, signal, graceMs) {
  const lastResponseAt = performance.now();
  if (signal === 'SIGKILL') {
    svc.killGroup('SIGKILL');
    const signalDelayMs = performance.now() - lastResponseAt;
    await waitGroupGone(svc.pgid, 5000);
    await svc.dispose();
    return { signalDelayMs, killed: true };
  }
  const t = performance.now();
  return { ...(await svc.stop(graceMs, signal)), signalDelayMs: t - lastResponseAt };
}
