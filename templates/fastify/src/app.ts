/** The Fastify app: the sample route of the guide, a health route, and the worked examples. */
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import Fastify, { type FastifyInstance } from 'fastify';
import { runAll } from './examples.js';
import { logInfo } from './log.js';

const tracer = trace.getTracer('app');

export function createApp(): FastifyInstance {
  const app = Fastify();

  app.get('/healthz', async () => ({ status: 'ok' }));

  // One request here yields exactly two spans: the server span "GET /process/:itemId" and this child.
  app.get<{ Params: { itemId: string } }>('/process/:itemId', async (request) => {
    const { itemId } = request.params;
    await tracer.startActiveSpan('process_item_logic', async (span) => {
      try {
        span.setAttribute('item.id', itemId);
        await sleep(50); // the work
        span.setAttribute('processing.status', 'completed');
        logInfo('processed item', { 'item.id': itemId });
      } finally {
        span.end();
      }
    });
    return { itemId, status: 'completed' };
  });

  app.get('/examples', async () => ({ worker: await runAll() }));

  return app;
}

export interface RunningServer {
  /** The port it listens on (the one asked for, or the one the system chose for 0). */
  port: number;
  /** Stops accepting, waits for in-flight requests (at most `drainMillis`), then closes what is left. */
  close(drainMillis: number): Promise<void>;
}

export async function startServer(host: string, port: number): Promise<RunningServer> {
  const app = createApp();
  await app.listen({ host, port });
  return {
    port: (app.server.address() as AddressInfo).port,
    async close(drainMillis) {
      // app.close() stops accepting and waits for the requests in flight. Fastify keeps an idle connection
      // open for 72 s, and one that finishes its request after close() would hold it that long: close
      // each connection as soon as it is idle, and whatever is left when the drain time is up.
      const idle = setInterval(() => app.server.closeIdleConnections(), 50);
      const late = setTimeout(() => app.server.closeAllConnections(), drainMillis);
      try {
        await app.close();
      } finally {
        clearInterval(idle);
        clearTimeout(late);
      }
    },
  };
}
