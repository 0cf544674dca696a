/** The Express app: the sample route of the guide, a health route, and the worked examples. */
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import express, { type Express } from 'express';
import { runAll } from './examples.js';
import { logInfo } from './log.js';

const tracer = trace.getTracer('app');

export function createApp(): Express {
  const app = express();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // One request here yields exactly two spans: the server span "GET /process/:itemId" and this child.
  app.get('/process/:itemId', async (req, res) => {
    const itemId = req.params.itemId;
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
    res.json({ itemId, status: 'completed' });
  });

  app.get('/examples', async (_req, res) => {
    const worker = await runAll();
    res.json({ worker });
  });

  return app;
}

export interface RunningServer {
  /** Stops accepting, waits for in-flight requests (at most `drainMillis`), then closes what is left. */
  close(drainMillis: number): Promise<void>;
}

export async function startServer(host: string, port: number): Promise<RunningServer> {
  const app = createApp();
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  return {
    close: (drainMillis) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), drainMillis);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        // Kept-alive connections with no request in flight would hold close() open until they time out.
        server.closeIdleConnections();
      }),
  };
}
