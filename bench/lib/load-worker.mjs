/**
 * Child process that runs one load, so the load generator never shares an event loop with the OTLP
 * receiver: autocannon in a closed loop, or the open-loop generator of paced-load.mjs (`paced: true`).
 * Receives its options as JSON in argv[2] and sends one summary back over IPC.
 *
 * autocannon's latency percentiles are recomputed here from every response's own time in milliseconds
 * (its histogram rounds to whole milliseconds, too coarse for a 10 % comparison at 2-3 ms).
 */
import autocannon from 'autocannon';
import { pacedLoad } from './paced-load.mjs';

const opts = JSON.parse(process.argv[2]);

function pct(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function closedLoop() {
  return new Promise((resolve) => {
    const samples = new Float64Array(1_000_000);
    let n = 0;
    let firstError;
    const instance = autocannon({
      url: opts.url,
      connections: opts.connections,
      ...(opts.amount ? { amount: opts.amount } : { duration: opts.durationSec }),
      ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
      timeout: opts.timeoutSec,
      pipelining: 1,
    });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (n < samples.length && statusCode >= 200 && statusCode < 300) samples[n++] = responseTime;
    });
    instance.on('reqError', (err) => {
      firstError ??= String(err?.message ?? err);
    });
    instance.on('done', (r) => {
      const sorted = samples.slice(0, n).sort();
      resolve({
        ok: true,
        requests2xx: r['2xx'],
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        unanswered: 0,
        sent: r.requests.sent,
        durationSec: r.duration,
        rps: r['2xx'] / r.duration,
        p50: pct(sorted, 50),
        p90: pct(sorted, 90),
        p99: pct(sorted, 99),
        max: sorted.length ? sorted[sorted.length - 1] : null,
        firstError,
      });
    });
  });
}

const result = opts.paced ? await pacedLoad(opts) : await closedLoop();
process.send(result, () => process.exit(0));
