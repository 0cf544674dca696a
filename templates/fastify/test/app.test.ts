/** One request to the sample route: the server span named by the route, its manual child, nothing else. */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { exporter, shutdown } from './setup.js';

// Loaded after the SDK: instrumentations patch only modules loaded after them.
const { createApp, startServer } = await import('../src/app.js');
const { closeWorkers } = await import('../src/examples.js');

let base = '';
let app: ReturnType<typeof createApp>;

before(async () => {
  app = createApp();
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
beforeEach(() => exporter.reset());
after(async () => {
  app.server.closeAllConnections();
  await app.close();
  await closeWorkers();
  await shutdown();
});

/** The spans of one request: the server span ends after the response is sent, so wait for it. */
async function spansOf(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(base + path, { headers: { connection: 'close', ...headers } });
  await response.arrayBuffer();
  for (let i = 0; i < 50 && !exporter.getFinishedSpans().some((s) => s.kind === 1); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  return { response, spans: exporter.getFinishedSpans() };
}

test('the sample route yields the server span and its child, nothing else', async () => {
  const { response, spans } = await spansOf('/process/12345');
  assert.equal(response.status, 200);
  assert.deepEqual(spans.map((s) => s.name).sort(), ['GET /process/:itemId', 'process_item_logic']);
  const server = spans.find((s) => s.name === 'GET /process/:itemId')!;
  const child = spans.find((s) => s.name === 'process_item_logic')!;
  assert.equal(server.attributes['http.route'], '/process/:itemId');
  assert.equal(child.parentSpanContext?.spanId, server.spanContext().spanId);
  assert.equal(child.spanContext().traceId, server.spanContext().traceId);
  assert.equal(child.attributes['item.id'], '12345');
});

test('an inbound traceparent is continued', async () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const { spans } = await spansOf('/process/1', { traceparent: `00-${traceId}-b7ad6b7169203331-01` });
  const server = spans.find((s) => s.kind === 1)!;
  assert.equal(server.spanContext().traceId, traceId);
  assert.equal(server.parentSpanContext?.spanId, 'b7ad6b7169203331');
});

test('the health route produces no span', async () => {
  const response = await fetch(`${base}/healthz`, { headers: { connection: 'close' } });
  assert.equal(response.status, 200);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(exporter.getFinishedSpans(), []);
});

test('close() lets a request in flight finish on a kept-alive connection, then returns', async () => {
  const running = await startServer('127.0.0.1', 0);
  const inFlight = fetch(`http://127.0.0.1:${running.port}/process/7`);
  await new Promise((r) => setTimeout(r, 20));
  const started = Date.now();
  await running.close(5_000);
  assert.equal((await inFlight).status, 200);
  // Far below both the drain bound and Fastify's 72 s keep-alive: the connection closed once idle.
  assert.ok(Date.now() - started < 2_000, `close() took ${Date.now() - started} ms`);
});
