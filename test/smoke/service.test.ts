/**
 * The smoke test on an app it did not generate: readiness is any HTTP answer (a /healthz that redirects
 * to a failing route must not hold it up), a 404/500 sample is its own failure with the status and
 * body, and a step whose result is a failure never shows ✔.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { runChecks } from '../../src/smoke/checks.js';
import type { SentRequest } from '../../src/smoke/types.js';
import { waitUntilReady, type RunningService } from '../../src/smoke/service.js';
import { createUi } from '../../src/core/ui.js';

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`)),
  );
}

const alive = { hasExited: () => false } as unknown as RunningService;

describe('readiness', () => {
  it('an existing app answering 307 -> 500 is ready at once (any HTTP answer counts)', async () => {
    const base = await serve((req, res) => {
      if (req.url === '/') res.writeHead(307, { location: '/healthz/' }).end();
      else res.writeHead(500).end('db down');
    });
    const started = Date.now();
    await waitUntilReady(`${base}/`, alive, 3000, { anyStatus: true });
    expect(Date.now() - started).toBeLessThan(2000);
  });
  it('a generated service still waits for its health route to answer below 500', async () => {
    const base = await serve((_req, res) => res.writeHead(503).end());
    await expect(waitUntilReady(`${base}/healthz`, alive, 700)).rejects.toThrow(/did not answer/);
  });
});

describe('a non-2xx sample request', () => {
  const expectation = {
    serviceName: 'svc',
    environment: 'production',
    serverSpanName: 'GET /items',
    route: '/items',
    spansPerRequest: 1,
    excludedPaths: [],
    scheduleDelayMillis: 5000,
  };
  const shutdown = { exitCode: 0, signal: null, killed: false, sigtermAtMs: 0, exitAfterMs: 10 };
  const request = (status: number, purpose: SentRequest['purpose'] = 'sample'): SentRequest => ({
    purpose,
    path: '/items',
    status,
    durationMs: 5,
    bodyExcerpt: '{"detail":"Not Found"}',
  });

  it('is its own named failure with status and body, and no tracing check blames tracing', () => {
    const checks = runChecks({
      expectation,
      spans: [],
      requests: [request(404), request(404, 'traceparent')],
      shutdown,
      spansReadAfterExit: false,
    });
    const failed = checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual(['sample request answered 2xx']);
    expect(failed[0]!.detail).toBe('GET /items answered HTTP 404: {"detail":"Not Found"}');
    expect(checks.map((c) => c.diagnosis ?? '').join(' ')).not.toMatch(/propagator|exporter/);
  });

  it.each([
    [404, /does not exist as requested.*--route/],
    [401, /needs a logged-in client.*--route/],
    [403, /needs a logged-in client.*--route/],
    [500, /the app failed on the sample request/],
  ])('HTTP %i is explained as what it means, with what to do', (status, diagnosis) => {
    const checks = runChecks({
      expectation,
      spans: [],
      requests: [request(status)],
      shutdown,
      spansReadAfterExit: false,
    });
    expect(checks.find((c) => c.name === 'sample request answered 2xx')?.diagnosis).toMatch(diagnosis);
  });
});

describe('the step indicator', () => {
  it('shows ✖, not ✔, for a step whose result is a failure', async () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const ui = await createUi({ json: false, tty: false });
      await ui.step(
        'Smoke test',
        async () => ({ ok: false }),
        (r) => !r.ok,
      );
      await ui.step(
        'Install',
        async () => ({ ok: true }),
        (r) => !r.ok,
      );
    } finally {
      process.stdout.write = write;
    }
    // picocolors colours output when CI is set: compare the text without its escape codes.
    const text = lines.join('').replace(/\x1b\[[0-9;]*m/g, '');
    expect(text).toMatch(/✖ Smoke test failed/);
    expect(text).not.toMatch(/✔ Smoke test/);
    expect(text).toMatch(/✔ Install/);
  });
});
