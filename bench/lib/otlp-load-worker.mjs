/**
 * Child process that posts OTLP/HTTP protobuf trace exports to the view as fast as it takes them, so the
 * sender never shares an event loop (or a heap) with the view. It encodes every batch first, says `ready`,
 * and starts the clock on `go`: encoding is not part of the figure. Options as JSON in argv[2].
 */
import http from 'node:http';
import { encodeBatches, ingestTraces } from './otlp-batches.mjs';

const opts = JSON.parse(process.argv[2]);
const url = new URL(opts.url);
if (!['127.0.0.1', 'localhost'].includes(url.hostname)) throw new Error('loopback targets only');

const batches = await encodeBatches(ingestTraces(opts.total, opts.seed), opts.batchSize);
const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });

function post(body) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
      },
    );
    req.on('error', (err) => resolve({ status: 0, error: err.message, ms: performance.now() - t0 }));
    req.end(body);
  });
}

async function run() {
  let next = 0;
  const results = [];
  const lane = async () => {
    while (next < batches.length) {
      const b = batches[next++];
      const r = await post(b.body);
      results.push({ ...r, spans: b.spans });
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: opts.concurrency }, lane));
  const wallMs = performance.now() - t0;
  const ok = results.filter((r) => r.status === 200);
  const ms = ok.map((r) => r.ms).sort((a, b) => a - b);
  return {
    wallMs,
    batches: batches.length,
    spansSent: results.reduce((a, r) => a + r.spans, 0),
    spansAccepted: ok.reduce((a, r) => a + r.spans, 0),
    failed: results.length - ok.length,
    firstError: results.find((r) => r.status !== 200)?.error ?? results.find((r) => r.status !== 200)?.status,
    p50Ms: ms[Math.floor(ms.length / 2)] ?? null,
    p99Ms: ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.99) - 1)] ?? null,
  };
}

process.send({
  ready: true,
  batches: batches.length,
  bytes: batches.reduce((a, b) => a + b.body.length, 0),
});
process.once('message', async () => {
  const result = await run();
  process.send(result, () => process.exit(0));
});
