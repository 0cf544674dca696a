/**
 * Runs the service under test as its own process group, so that stopping it (or our own interrupt) never
 * leaves a worker or a port behind, with a watchdog outside the CLI that stops the group should the CLI die
 * without doing so itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { type Socket, createServer } from 'node:net';
import { onInterruptCleanup } from '../core/interrupt.js';
import type { ShutdownOutcome } from './types.js';
import { listeningPorts } from './listening.js';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface RunningService {
  child: ChildProcess;
  /** Everything the service printed, stdout and stderr apart. */
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited: () => boolean;
  /** SIGTERM, then SIGKILL to the whole group after `graceMs`. */
  stop(graceMs: number): Promise<ShutdownOutcome>;
  /** Kills the whole group now (used on errors and interrupts). */
  kill(): void;
}

/**
 * The watchdog's script. It reads a pipe only the CLI holds open: a line means the service is gone and it
 * stands down; end of file without one means the CLI died (SIGKILL, out of heap: no exit handler runs), and
 * it kills the service's whole group. A shell, not a second Node: it costs a millisecond and a megabyte.
 */
const WATCHDOG_SCRIPT = 'if read -r _; then exit 0; fi; kill -s KILL -- "-$1" 2>/dev/null';

/**
 * Starts the watchdog for process group `pgid`; returns the function that stands it down. It runs in a
 * session of its own, so the terminal's Ctrl-C or hang-up, which reach the CLI's group, do not end it first.
 */
function startWatchdog(pgid: number): () => void {
  if (process.platform === 'win32') return () => {};
  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'create-traced-service-watchdog', String(pgid)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => {}); // no shell: the exit handlers still stop the group in all other cases
  // Neither the process nor its pipe may keep the CLI running.
  watchdog.unref();
  const pipe = watchdog.stdin as Socket | null; // a pipe is a net.Socket, which can be unref'd
  pipe?.on('error', () => {});
  pipe?.unref?.();
  let stood = false;
  return () => {
    if (stood) return;
    stood = true;
    pipe?.end('done\n');
  };
}

/** Environment for the service: ours, minus any OTEL_* the caller's shell has that would redirect spans. */
export interface StartServiceOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Its output straight to our terminal instead of kept (stdout()/stderr() stay empty): `dev`. */
  passthrough?: boolean;
  /**
   * On our interrupt, SIGTERM first and SIGKILL only after this grace (so it flushes its telemetry), instead
   * of SIGKILL at once.
   */
  interruptGraceMs?: number;
}

export function startService(argv: string[], options: StartServiceOptions): RunningService {
  const [command, ...args] = argv;
  if (!command) throw new Error('empty server command');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', options.passthrough ? 'inherit' : 'pipe', options.passthrough ? 'inherit' : 'pipe'],
  });
  // Right after the spawn: there is no moment the service runs unwatched but for this synchronous step.
  const standDown = child.pid === undefined ? () => {} : startWatchdog(child.pid);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (err += c));
  let exitedFlag = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (e) => {
      err += `\n${e.message}`;
      exitedFlag = true;
      resolve({ code: 127, signal: null });
    });
    child.on('exit', (code, signal) => {
      exitedFlag = true;
      resolve({ code, signal });
    });
  });
  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // group already gone
    }
  };
  const unregister = onInterruptCleanup(async () => {
    if (options.interruptGraceMs !== undefined) await running.stop(options.interruptGraceMs);
    killGroup('SIGKILL');
  });
  void exited.then(() => {
    // The main process is gone; make sure no worker of its group survives it.
    killGroup('SIGKILL');
    unregister();
    standDown();
  });

  const running: RunningService = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    hasExited: () => exitedFlag,
    kill: () => killGroup('SIGKILL'),
    async stop(graceMs) {
      const sigtermAtMs = Date.now();
      if (exitedFlag) {
        const r = await exited;
        return { exitCode: r.code, signal: r.signal, killed: false, sigtermAtMs, exitAfterMs: 0 };
      }
      // Like an orchestrator: SIGTERM to the main process only; it is the server's job to stop its workers.
      child.kill('SIGTERM');
      const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
      const outcome = await Promise.race([exited, timer]);
      if (outcome === 'timeout') {
        killGroup('SIGKILL');
        const r = await exited;
        return { exitCode: r.code, signal: r.signal, killed: true, sigtermAtMs };
      }
      return {
        exitCode: outcome.code,
        signal: outcome.signal,
        killed: false,
        sigtermAtMs,
        exitAfterMs: Date.now() - sigtermAtMs,
      };
    },
  };
  return running;
}

/**
 * One GET on a connection that is closed afterwards; undefined when nothing answered within a second.
 * Never a kept-alive connection: a sync worker would stay tied to it and serve nobody else.
 */
function probe(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, headers: { connection: 'close' }, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/**
 * A port the service's process tree listens on, other than the one it was given, that answers at `url`'s
 * path: a service reading API_PORT (or a config file) instead of PORT is tested where it listens.
 */
async function answeringElsewhere(url: URL, service: RunningService, ready: (status?: number) => boolean) {
  const pid = service.child?.pid;
  if (pid === undefined) return undefined;
  const ports = listeningPorts(pid);
  if (ports.includes(Number(url.port))) return undefined;
  for (const port of ports) {
    const other = new URL(url);
    other.port = String(port);
    if (ready(await probe(other.href))) return { url: other.href, listeningOn: port };
  }
  return undefined;
}

/** What is said of a service found listening on a port of its own instead of the one it was given. */
export const listensElsewhere = (listening: number, given: number) =>
  `the service listens on port ${listening}, not on the PORT=${given} it was given (found from its open sockets)`;

/**
 * Polls `url` until the server answers, or it exits, or time runs out. A generated service is ready when
 * its health route answers below 500; with `anyStatus` (an existing app, whose routes are unknown) any
 * HTTP answer at all means ready, and redirects are not followed (a redirect is an answer). Returns where the
 * service answered: `url`, or the same path on the port it listens on instead (`listeningOn`).
 */
export async function waitUntilReady(
  url: string,
  service: RunningService,
  timeoutMs: number,
  options: { anyStatus?: boolean } = {},
): Promise<{ url: string; listeningOn?: number }> {
  const deadline = Date.now() + timeoutMs;
  const ready = (status?: number) => status !== undefined && (options.anyStatus || status < 500);
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    if (service.hasExited()) {
      const r = await service.exited;
      throw new Error(
        `the service exited during start-up (${r.code === null ? `signal ${r.signal}` : `code ${r.code}`})`,
      );
    }
    if (ready(await probe(url))) return { url };
    // Every half second: which ports the started processes listen on, when it is not the given one.
    const elsewhere = attempt % 5 === 4 ? await answeringElsewhere(new URL(url), service, ready) : undefined;
    if (elsewhere) return elsewhere;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `the service did not answer HTTP on ${url} within ${Math.round(timeoutMs / 1000)}s (it is still running: a start-up step may hang)`,
  );
}
