/**
 * Every process the benchmark starts runs in its own process group and is registered here, so that a
 * normal end, an error or Ctrl-C kills every one of them (whole groups: uvicorn's workers included).
 */
import { fork, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { groupPids } from './procfs.mjs';

const groups = new Set();
const closers = new Set();

export function killGroup(pgid, signal = 'SIGKILL') {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Registers an async cleanup (a receiver, a fake collector) run by cleanupAll(). */
export function onCleanup(fn) {
  closers.add(fn);
  return () => closers.delete(fn);
}

/** Kills every registered process group and runs every registered cleanup. Idempotent. */
export async function cleanupAll() {
  for (const pgid of groups) killGroup(pgid, 'SIGKILL');
  groups.clear();
  const fns = [...closers];
  closers.clear();
  await Promise.allSettled(fns.map((fn) => fn()));
}

let handlersInstalled = false;
/** Kill everything on Ctrl-C, SIGTERM, an uncaught error or any exit of this process. */
export function installCleanupHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const syncKill = () => {
    for (const pgid of groups) killGroup(pgid, 'SIGKILL');
  };
  process.on('exit', syncKill);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping every process it started\n`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
  process.on('uncaughtException', (err) => {
    process.stderr.write(`bench: uncaught ${err?.stack ?? err}\n`);
    void cleanupAll().finally(() => process.exit(1));
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** True while any process of the group is alive (zombies excluded). */
export function groupAlive(pgid) {
  return groupPids(pgid).length > 0;
}

/** Waits until no process of the group is left; false on timeout. */
export async function waitGroupGone(pgid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return true;
    await sleep(25);
  }
  return !groupAlive(pgid);
}

function track(child, logFile) {
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`could not start ${logFile ?? 'process'}`);
  groups.add(pgid);
  let exitInfo;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal, atMs: performance.now() };
      resolve(exitInfo);
    });
    child.on('error', (err) => {
      exitInfo = { code: 127, signal: null, error: err.message, atMs: performance.now() };
      resolve(exitInfo);
    });
  });
  return {
    child,
    pid: child.pid,
    pgid,
    exited,
    hasExited: () => exitInfo !== undefined,
    log: () => (logFile ? readFileSync(logFile, 'utf8') : ''),
    /** Signal to the main process only, as an orchestrator does. */
    signal: (sig) => {
      try {
        child.kill(sig);
      } catch {
        /* gone */
      }
    },
    killGroup: (sig = 'SIGKILL') => killGroup(pgid, sig),
    /** Resolves with the exit info, or 'timeout'. */
    waitExit: (ms) => Promise.race([exited, sleep(ms).then(() => 'timeout')]),
    /** SIGKILLs whatever is left of the group and forgets it. */
    dispose: async () => {
      killGroup(pgid, 'SIGKILL');
      await waitGroupGone(pgid, 5000);
      groups.delete(pgid);
    },
  };
}

/** Spawns argv in a new process group, stdout+stderr to `logFile`. */
export function spawnGroup(argv, { cwd, env, logFile }) {
  const fd = openSync(logFile, 'w');
  try {
    const child = spawn(argv[0], argv.slice(1), { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
    return track(child, logFile);
  } finally {
    closeSync(fd);
  }
}

/** Forks a Node module in a new process group with an IPC channel. */
export function forkGroup(modulePath, args, { env } = {}) {
  const child = fork(modulePath, args, {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: env ?? process.env,
  });
  return track(child);
}
