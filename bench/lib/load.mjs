/** Load generation against 127.0.0.1 only: autocannon in a child process, bounded in time and count. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkGroup } from './proc.mjs';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load-worker.mjs');

function assertLoopback(url) {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]')
    throw new Error(`refusing to load ${host}: loopback targets only`);
}

/**
 * Runs autocannon: closed loop (`connections`) for `durationSec`, or `amount` requests, optionally
 * rate-limited to `overallRate` req/s; or, with `paced`, the open-loop generator at `rate` req/s.
 * Killed after a hard wall-clock bound whatever happens.
 */
export async function runLoad({
  url,
  connections = 8,
  durationSec = 5,
  amount,
  overallRate,
  timeoutSec = 10,
  paced = false,
  rate,
  maxSockets,
}) {
  assertLoopback(url);
  const maxRequests = 2_000_000;
  if (amount && amount > maxRequests) throw new Error('amount too large');
  const wallMs = (amount ? 120 : durationSec + timeoutSec + 20) * 1000;
  const worker = forkGroup(WORKER, [
    JSON.stringify({ url, connections, durationSec, amount, overallRate, timeoutSec, paced, rate, maxSockets }),
  ]);
  try {
    const result = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load run exceeded ${wallMs / 1000}s`)), wallMs);
      worker.child.once('message', (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      void worker.exited.then((e) => {
        clearTimeout(timer);
        reject(new Error(`load worker exited (${e.code ?? e.signal}) without a result`));
      });
    });
    return result;
  } finally {
    await worker.dispose();
  }
}

/**
 * `n` GET requests with `concurrency` in flight (keep-alive fetch from this process), resolved as soon
 * as the last response has been read: the caller signals the server right after.
 */
export async function sendRequests(base, pathFor, n, concurrency) {
  assertLoopback(base);
  let next = 0;
  let ok = 0;
  const failures = [];
  async function lane() {
    while (next < n) {
      const i = next++;
      try {
        const res = await fetch(base + pathFor(i), { signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (res.status >= 200 && res.status < 300) ok++;
        else failures.push(`HTTP ${res.status}`);
      } catch (err) {
        failures.push(err.message);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { ok, failed: failures.length, firstFailure: failures[0] };
}

/**
 * One overhead measurement on a started service: warm-up, then CPU seconds across the measured load, the
 * group's RSS when it became ready and right after the load, the stop, and the spans the collector holds after
 * `settle`. The service is stopped; the caller disposes it. `afterLoad(svc)`, when given, runs between the load
 * and the stop (a memory breakdown after the load); its result is returned as `afterLoad`.
 */
export async function measureOverhead(svc, collector, cfg, settle = async () => {}, afterLoad = undefined) {
  const url = `${svc.base}/bench/12345`;
  // Closed loop on `connections`, or with `rate` open loop at that many requests/s.
  const loadFor = (durationSec) =>
    runLoad(
      cfg.rate
        ? { url, paced: true, rate: cfg.rate, maxSockets: cfg.maxSockets ?? 64, durationSec }
        : { url, connections: cfg.connections, durationSec },
    );
  const rssStartMiB = svc.rssMiB();
  const warm = await loadFor(cfg.warmupSec);
  const cpu0 = svc.cpuSeconds();
  const load = await loadFor(cfg.durationSec);
  // Closed loop can outrun the exporter: with `drain`, the CPU counts until the backlog has been exported too.
  if (cfg.drain) await cfg.drain();
  const cpu1 = svc.cpuSeconds();
  // Resident memory of the whole group right after the load: what the service holds while serving.
  const rssMiB = svc.rssMiB();
  const after = afterLoad ? await afterLoad(svc) : undefined;
  const stop = await svc.stop(15_000);
  await settle();
  const spans = collector.spanCount();
  const served = warm.sent + load.sent;
  return {
    rps: load.rps,
    p50: load.p50,
    p99: load.p99,
    requests: load.requests2xx,
    errors: load.errors + load.non2xx + warm.errors + warm.non2xx,
    cpuMsPerReq: ((cpu1 - cpu0) * 1000) / load.requests2xx,
    spans,
    served,
    spansPerReq: spans / served,
    rssStartMiB,
    rssMiB,
    stop,
    ...(after === undefined ? {} : { afterLoad: after }),
  };
}
