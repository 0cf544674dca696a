/**
 * Floods of the smoke test's receiver at the sizes that used to kill the CLI: one 62 MB body of 31 M empty
 * spans, and six concurrent 60 MB batches, without the run's header (any local process can send them) and
 * with it (a runaway service). The receiver must refuse them cheaply, keep answering the real exporter, and
 * stay within a few hundred MB.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from '../../src/receiver/index.js';
import { sampleProtoBytes } from '../receiver/fixtures.js';
import { PROTOBUF, emptySpansBody, grpcExportRaw, postRaw } from './otlp-clients.js';

const RUN = { name: 'x-cts-run', value: 'run-secret' };
const MB = 1_000_000;
// Extra resident memory one flood may cost: the refused bodies are never held whole.
const RSS_BUDGET = 300 * MB;
const GRPC_UNAUTHENTICATED = 16;
const GRPC_RESOURCE_EXHAUSTED = 8;

let body62: Buffer;
let body60: Buffer;
let receiver: Receiver;

beforeAll(() => {
  body62 = emptySpansBody(31_000_000);
  body60 = emptySpansBody(30_000_000);
});
afterAll(() => {
  body62 = Buffer.alloc(0);
  body60 = Buffer.alloc(0);
});
afterEach(async () => {
  await receiver?.close();
});

/** Peak RSS above the level at the start, sampled while `work` runs (and at its end, should the loop stall). */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; rssDelta: number; maxDelayMs: number }> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, rssDelta: peak - base, maxDelayMs: delay.max / 1e6 };
  } finally {
    clearInterval(sample);
    delay.disable();
  }
}

/** The service's own export: must be taken, and promptly, whatever else is going on. */
function legit() {
  return postRaw(`${receiver.httpEndpoint}/v1/traces`, sampleProtoBytes(), { ...PROTOBUF, [RUN.name]: RUN.value });
}

describe('a flood cannot take the receiver down', () => {
  it('one 62 MB body of 31 M empty spans without the header is refused before it is read', async () => {
    receiver = await startReceiver({ requiredHeader: RUN });
    const { result, rssDelta, maxDelayMs } = await measured(async () => {
      const flood = await postRaw(`${receiver.httpEndpoint}/v1/traces`, body62, PROTOBUF);
      const after = await legit();
      return { flood, after };
    });
    console.info(`62 MB foreign body: ${JSON.stringify(result)}, rss +${Math.round(rssDelta / MB)} MB`);
    // Refused (401), or cut off mid-upload once it was refused: never taken in.
    if (result.flood.status !== undefined) expect(result.flood.status).toBe(401);
    expect(result.flood.ms).toBeLessThan(10_000);
    expect(result.after.status).toBe(200);
    expect(result.after.ms).toBeLessThan(2000);
    expect(receiver.spans).toHaveLength(2);
    expect(receiver.ignored.traces).toBe(1);
    expect(rssDelta).toBeLessThan(RSS_BUDGET);
    expect(maxDelayMs).toBeLessThan(1000);
  }, 30_000);

  it('six concurrent 60 MB foreign batches leave the receiver answering the real exporter', async () => {
    receiver = await startReceiver({ requiredHeader: RUN });
    const url = `${receiver.httpEndpoint}/v1/traces`;
    const { result, rssDelta, maxDelayMs } = await measured(async () => {
      const floods = Array.from({ length: 6 }, () => postRaw(url, body60, PROTOBUF));
      // While the six are uploading.
      await new Promise((r) => setTimeout(r, 50));
      const during = await legit();
      const refused = await Promise.all(floods);
      const after = await legit();
      return { refused, during, after };
    });
    console.info(`6 × 60 MB foreign: ${JSON.stringify(result)}, rss +${Math.round(rssDelta / MB)} MB`);
    for (const r of result.refused) {
      if (r.status !== undefined) expect(r.status).toBe(401);
      expect(r.ms).toBeLessThan(15_000);
    }
    expect(result.during.status).toBe(200);
    expect(result.during.ms).toBeLessThan(2000);
    expect(result.after.status).toBe(200);
    expect(result.after.ms).toBeLessThan(2000);
    expect(receiver.spans).toHaveLength(4);
    expect(rssDelta).toBeLessThan(RSS_BUDGET);
    expect(maxDelayMs).toBeLessThan(1000);
  }, 45_000);

  it('the same 62 MB body with the header (a runaway service) gets a 413, not a decode', async () => {
    receiver = await startReceiver({ requiredHeader: RUN });
    const { result, rssDelta } = await measured(async () => {
      const flood = await postRaw(`${receiver.httpEndpoint}/v1/traces`, body62, { ...PROTOBUF, [RUN.name]: RUN.value });
      return { flood, after: await legit() };
    });
    console.info(`62 MB with header: ${JSON.stringify(result)}, rss +${Math.round(rssDelta / MB)} MB`);
    if (result.flood.status !== undefined) expect(result.flood.status).toBe(413);
    expect(result.after.status).toBe(200);
    expect(receiver.spans).toHaveLength(2);
    expect(rssDelta).toBeLessThan(RSS_BUDGET);
  }, 30_000);

  it('31 M empty spans gzip-compressed to a small body are refused without being decoded', async () => {
    receiver = await startReceiver({ requiredHeader: RUN });
    const bomb = gzipSync(body62, { level: 1 });
    const { result, rssDelta, maxDelayMs } = await measured(async () => {
      const flood = await postRaw(`${receiver.httpEndpoint}/v1/traces`, bomb, {
        ...PROTOBUF,
        'content-encoding': 'gzip',
        [RUN.name]: RUN.value,
      });
      return { flood, after: await legit() };
    });
    console.info(
      `gzip of 31 M spans (${bomb.length} bytes): ${JSON.stringify(result)}, rss +${Math.round(rssDelta / MB)} MB`,
    );
    expect(result.flood.status).toBe(413);
    expect(result.after.status).toBe(200);
    expect(receiver.spans).toHaveLength(2);
    expect(rssDelta).toBeLessThan(RSS_BUDGET);
    expect(maxDelayMs).toBeLessThan(1000);
  }, 30_000);

  it('over gRPC: the 62 MB message is refused on its metadata, or on its size with the header', async () => {
    receiver = await startReceiver({ requiredHeader: RUN });
    const { result, rssDelta } = await measured(async () => {
      const foreign = await grpcExportRaw(receiver.grpcPort, body62);
      const runaway = await grpcExportRaw(receiver.grpcPort, body62, { [RUN.name]: RUN.value });
      const after = await grpcExportRaw(receiver.grpcPort, sampleProtoBytes(), { [RUN.name]: RUN.value });
      return { foreign, runaway, after };
    });
    console.info(`gRPC 62 MB: ${JSON.stringify(result)}, rss +${Math.round(rssDelta / MB)} MB`);
    expect(result.foreign.status).toBe(GRPC_UNAUTHENTICATED);
    expect(result.runaway.status).toBe(GRPC_RESOURCE_EXHAUSTED);
    expect(result.after.status).toBe(0);
    expect(receiver.spans).toHaveLength(2);
    expect(receiver.ignored.traces).toBe(1);
    expect(rssDelta).toBeLessThan(RSS_BUDGET);
  }, 30_000);
});
