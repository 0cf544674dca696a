/**
 * The processes of the live view's benchmark, each in its own process group: `view` (so its RSS and CPU come
 * from /proc alone), `dev` on the generated service, the service's plain start command, and the OTLP load
 * worker; plus a fine-grained HTTP readiness poll shared by the start-up timings.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importInternal } from './internals.mjs';
import { CLI_BIN, WORK } from './paths.mjs';
import { forkGroup, sleep, spawnGroup, waitGroupGone } from './proc.mjs';
import { groupCpuSeconds, groupRssMiB } from './procfs.mjs';
import { freePort, serviceEnv } from './service.mjs';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'otlp-load-worker.mjs');
const POLL_MS = 10;
let seq = 0;

function logFile(label) {
  const file = path.join(WORK, 'logs', `view-${String(++seq).padStart(3, '0')}-${label}.log`);
  mkdirSync(path.dirname(file), { recursive: true });
  return file;
}

/** Polls `url` every 10 ms until it answers 200; ms from `t0` (a performance.now()), or undefined past the deadline. */
export async function waitHttp(url, t0, { timeoutMs = 60_000, alive = () => true } = {}) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && alive()) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - t0;
    } catch {
      /* not listening yet */
    }
    await sleep(POLL_MS);
  }
  return undefined;
}

/** Stops a process group the way Ctrl-C does (SIGINT to the main process), SIGKILL after `graceMs`. */
async function interrupt(proc, graceMs = 15_000) {
  proc.signal('SIGINT');
  await proc.waitExit(graceMs);
  await waitGroupGone(proc.pgid, 2000);
  await proc.dispose();
}

/** `create-traced-service view` on free ports, up when its page answers. */
export async function startViewProcess({ maxSpans } = {}) {
  const [grpc, httpPort, pagePort] = [await freePort(), await freePort(), await freePort()];
  const argv = [process.execPath, CLI_BIN, 'view', '--grpc-port', grpc, '--http-port', httpPort, '--port', pagePort];
  if (maxSpans) argv.push('--max-spans', maxSpans);
  const proc = spawnGroup(argv.map(String), { cwd: WORK, env: { ...process.env, CI: '1' }, logFile: logFile('view') });
  const pageUrl = `http://127.0.0.1:${pagePort}/`;
  if ((await waitHttp(`${pageUrl}api/overview`, performance.now(), { alive: () => !proc.hasExited() })) === undefined) {
    const tail = proc.log();
    await proc.dispose();
    throw new Error(`view did not start:\n${tail}`);
  }
  const api = async (p) => (await fetch(new URL(p, pageUrl))).json();
  return {
    proc,
    pageUrl,
    tracesUrl: `http://127.0.0.1:${httpPort}/v1/traces`,
    api,
    stats: async () => (await api('/api/overview')).stats,
    rssMiB: () => groupRssMiB(proc.pgid),
    cpuSeconds: () => groupCpuSeconds(proc.pgid),
    stop: () => interrupt(proc),
  };
}

/** Forks the load worker and waits until every batch is encoded; `go()` sends them and resolves with its figures. */
export async function prepareLoad(opts) {
  const worker = forkGroup(WORKER, [JSON.stringify(opts)]);
  const message = () =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('OTLP load worker timed out')), 180_000);
      worker.child.once('message', (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      void worker.exited.then((e) => {
        clearTimeout(timer);
        reject(new Error(`OTLP load worker exited (${e.code ?? e.signal})`));
      });
    });
  const ready = await message();
  return {
    ...ready,
    go: async () => {
      const result = message();
      worker.child.send('go');
      try {
        return await result;
      } finally {
        await worker.dispose();
      }
    },
    dispose: () => worker.dispose(),
  };
}

/** Posts pre-encoded batches one after the other (the large traces the page opens). */
export async function postBatches(url, batches) {
  for (const b of batches) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: b.body,
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  }
}

/**
 * `dev <svc>` from spawn: when its page answers, when the service answers its health path, and when it
 * printed the page's address (what a person waits for). Stops it as Ctrl-C does, unless `keep`.
 */
export async function startDev(svc, { keep = false } = {}) {
  const [servicePort, pagePort] = [await freePort(), await freePort()];
  const file = logFile('dev');
  const t0 = performance.now();
  const proc = spawnGroup(
    [process.execPath, CLI_BIN, 'dev', svc, '--service-port', String(servicePort), '--port', String(pagePort)],
    { cwd: WORK, env: serviceEnv(undefined, { CI: '1' }), logFile: file },
  );
  const alive = { alive: () => !proc.hasExited() };
  const pageUrl = `http://127.0.0.1:${pagePort}/`;
  const announced = (async () => {
    while (!proc.hasExited() && performance.now() - t0 < 60_000) {
      if (readFileSync(file, 'utf8').includes(pageUrl)) return performance.now() - t0;
      await sleep(POLL_MS);
    }
    return undefined;
  })();
  const [pageMs, serviceMs, announcedMs] = await Promise.all([
    waitHttp(`${pageUrl}api/overview`, t0, alive),
    waitHttp(`http://127.0.0.1:${servicePort}/healthz`, t0, alive),
    announced,
  ]);
  if (announcedMs === undefined || serviceMs === undefined || pageMs === undefined) {
    const tail = proc.log();
    await proc.dispose();
    throw new Error(`dev did not become ready:\n${tail}`);
  }
  const out = { pageMs, serviceMs, announcedMs, pageUrl, serviceUrl: `http://127.0.0.1:${servicePort}` };
  if (!keep) {
    await interrupt(proc);
    return out;
  }
  return { ...out, stop: () => interrupt(proc) };
}

/** The service's plain start command (the README's uvicorn line) from spawn to its health path answering. */
export async function startPlain(svc, venv) {
  const { getFramework } = await importInternal('frameworks');
  const fw = getFramework('fastapi');
  const port = await freePort();
  const t0 = performance.now();
  const argv = fw.serverCommand({ host: '127.0.0.1', port });
  const proc = spawnGroup(argv, {
    cwd: svc,
    env: serviceEnv(venv),
    logFile: logFile('plain'),
  });
  const readyMs = await waitHttp(`http://127.0.0.1:${port}${fw.healthPath}`, t0, { alive: () => !proc.hasExited() });
  const tail = readyMs === undefined ? proc.log() : '';
  proc.signal('SIGTERM');
  await proc.waitExit(15_000);
  await proc.dispose();
  if (readyMs === undefined) throw new Error(`the plain start command did not become ready:\n${tail}`);
  return { readyMs, command: argv.join(' ').replace(String(port), '<port>') };
}
