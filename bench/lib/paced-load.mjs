/**
 * Open-loop load at a fixed rate, evenly spaced: request i is due at t0 + i / rate whether or not earlier
 * ones have been answered (up to `maxSockets` connections, the rest wait in the agent's queue). Latency is
 * measured from the moment a request was *due*, so a stalled server shows up in full instead of simply
 * being sent fewer requests (no coordinated omission).
 *
 * autocannon's own rate limit is not used for this: it sends each connection's whole per-second budget
 * back to back at the start of every second, which measures how fast the service drains a burst.
 */
import http from 'node:http';

/** Below uvicorn's default keep-alive timeout (5 s). */
const IDLE_SOCKET_MS = 4000;

export async function pacedLoad({ url, rate, durationSec, timeoutSec = 10, maxSockets = 64 }) {
  // An idle kept-alive socket is closed here after 4 s, before uvicorn closes it at 5 s: reusing a socket the
  // server is closing at that moment fails with ECONNRESET, a client-side race that is not the service's error.
  const agent = new http.Agent({ keepAlive: true, maxSockets, timeout: IDLE_SOCKET_MS });
  const total = Math.round(rate * durationSec);
  const interval = 1000 / rate;
  const latencies = new Float64Array(total);
  let ok = 0;
  let failed = 0;
  let firstError;
  const pending = new Set();
  let allSettled;
  const settledAll = new Promise((r) => (allSettled = r));
  let scheduled = 0;
  const t0 = performance.now() + 20;

  function fire(i) {
    const due = t0 + i * interval;
    let settled = false;
    const settle = (error, status) => {
      if (settled) return;
      settled = true;
      pending.delete(req);
      if (error) {
        failed++;
        firstError ??= error;
      } else if (status >= 200 && status < 300) {
        latencies[ok++] = performance.now() - due;
      } else {
        failed++;
        firstError ??= `HTTP ${status}`;
      }
      if (scheduled === total && pending.size === 0) allSettled();
    };
    const req = http.get(url, { agent, timeout: timeoutSec * 1000 }, (res) => {
      res.on('data', () => {});
      res.on('end', () => settle(undefined, res.statusCode));
      res.on('error', (e) => settle(e.message));
    });
    req.on('timeout', () => req.destroy(new Error(`no response within ${timeoutSec}s`)));
    req.on('error', (e) => settle(e.message));
    pending.add(req);
  }

  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (scheduled < total && t0 + scheduled * interval <= now) fire(scheduled++);
      if (scheduled >= total) return resolve();
      setTimeout(tick, Math.max(0, t0 + scheduled * interval - performance.now()));
    };
    setTimeout(tick, 20);
  });
  const started = performance.now();
  if (pending.size > 0) await Promise.race([settledAll, new Promise((r) => setTimeout(r, timeoutSec * 1000 + 500))]);
  // Whatever is still open when the run's time is up counts as unanswered (the client would have given up).
  const unanswered = pending.size;
  for (const req of [...pending]) req.destroy();
  agent.destroy();
  const sorted = latencies.slice(0, ok).sort();
  const pct = (p) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : null;
  return {
    ok: true,
    scheduled: total,
    sent: total,
    requests2xx: ok,
    errors: failed,
    unanswered,
    non2xx: 0,
    timeouts: 0,
    durationSec: (performance.now() - t0) / 1000,
    drainSec: (performance.now() - started) / 1000,
    rps: ok / durationSec,
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    max: sorted.length ? sorted[sorted.length - 1] : null,
    firstError,
  };
}
