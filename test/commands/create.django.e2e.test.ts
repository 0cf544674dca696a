/**
 * Django, end to end: generate with each exporter, install from the package index, run the generated
 * project's own pytest suite, and pass every smoke check (for OTLP, including the two-worker gunicorn
 * phase); projects broken on purpose in the ways the generated README warns about (the suite and Django's
 * row are in test/support/python-suite.ts). Then database spans from a real server, and the ASGI entry
 * point under uvicorn, with one worker and with two.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getFramework } from '../../src/catalog/frameworks/index.js';
import type { ServiceOptions } from '../../src/options/schema.js';
import { startReceiver } from '../../src/receiver/index.js';
import { runMultiWorkerChecks } from '../../src/smoke/checks.js';
import type { SentRequest } from '../../src/smoke/types.js';
import { expectationFor, runSmoke, type SmokeReport } from '../../src/smoke/run.js';
import { python, pythonServiceEnv } from '../../src/runtimes/python/index.js';
import { freePort, startService, waitUntilReady } from '../../src/smoke/service.js';
import { failing } from '../support/harness.js';
import { pythonFrameworkSuite } from '../support/python-suite.js';

const { projects } = pythonFrameworkSuite('django');

// --- The ASGI entry point under uvicorn -------------------------------------------------------------

function projectOptions(dir: string): ServiceOptions {
  return (
    JSON.parse(readFileSync(path.join(dir, '.create-traced-service.json'), 'utf8')) as { options: ServiceOptions }
  ).options;
}

const uvicorn = (target: string, workers?: number) => (port: number) => [
  'uvicorn',
  target,
  '--host',
  '127.0.0.1',
  '--port',
  String(port),
  ...(workers ? ['--workers', String(workers)] : []),
];

function smokeWith(dir: string, serverCommand: (port: number) => string[]): Promise<SmokeReport> {
  return runSmoke({
    projectDir: dir,
    venvDir: path.join(dir, '.venv'),
    options: projectOptions(dir),
    runtime: python,
    serverCommand,
  });
}

function request(url: string, method = 'GET'): Promise<number> {
  return new Promise((resolve) => {
    http
      .request(url, { method, agent: false, timeout: 20_000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', () => resolve(0))
      .end();
  });
}

/** Starts the server against a fresh receiver, lets `drive` send requests, stops it with SIGTERM. */
async function serve<T>(dir: string, argv: (port: number) => string[], drive: (base: string) => Promise<T>) {
  const receiver = await startReceiver();
  const port = await freePort();
  const service = startService(argv(port), {
    cwd: dir,
    env: pythonServiceEnv(path.join(dir, '.venv'), {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
      OTEL_EXPORTER_OTLP_INSECURE: 'true',
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    }),
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitUntilReady(`${base}/healthz`, service, 30_000);
    const driven = await drive(base);
    const shutdown = await service.stop(15_000);
    return { driven, shutdown, spans: [...receiver.spans], output: service.stderr() };
  } finally {
    service.kill();
    await receiver.close();
  }
}

/** uvicorn with several workers, `requests` sample requests four at a time, SIGTERM, the multi-worker checks. */
async function uvicornWorkers(dir: string, workers: number, requests: number) {
  const expectation = expectationFor({ options: projectOptions(dir) });
  const run = await serve(dir, uvicorn('config.asgi:application', workers), async (base) => {
    const sent: SentRequest[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < requests) {
          next++;
          const started = performance.now();
          const status = await request(base + expectation.requestPath);
          sent.push({
            purpose: 'sample',
            path: expectation.requestPath,
            status,
            durationMs: performance.now() - started,
          });
        }
      }),
    );
    return sent;
  });
  return {
    checks: runMultiWorkerChecks({
      expectation,
      workers,
      spans: run.spans,
      requests: run.driven,
      shutdown: run.shutdown,
    }),
    output: run.output,
  };
}

describe('database spans from a real server', () => {
  it.each([
    ['gunicorn (WSGI)', (port: number) => getFramework('django').serverCommand({ host: '127.0.0.1', port })],
    ['uvicorn (ASGI)', uvicorn('config.asgi:application')],
  ])(
    '%s: each query is a CLIENT span under the manual span, all flushed on SIGTERM',
    async (_server, argv) => {
      const dir = projects['otlp-grpc']!;
      const run = await serve(dir, argv, async (base) => [
        await request(`${base}/items/e2e-sku/visits`, 'POST'),
        await request(`${base}/items/e2e-sku/visits`, 'POST'),
      ]);
      expect(run.driven, run.output).toEqual([200, 200]);
      expect(run.shutdown.killed).toBe(false);
      const servers = run.spans.filter((s) => s.kind === 'SERVER');
      expect(servers.map((s) => s.name)).toEqual([
        'POST items/<str:item_id>/visits',
        'POST items/<str:item_id>/visits',
      ]);
      for (const server of servers) {
        const inTrace = run.spans.filter((s) => s.traceId === server.traceId);
        const work = inTrace.find((s) => s.name === 'record_item_visit')!;
        expect(work.kind).toBe('INTERNAL');
        expect(work.parentSpanId).toBe(server.spanId);
        const queries = inTrace.filter((s) => s.kind === 'CLIENT');
        expect(queries.map((q) => q.name).sort()).toEqual(['INSERT', 'SELECT']);
        for (const q of queries) {
          expect(q.parentSpanId).toBe(work.spanId);
          expect(q.attributes['db.system'] ?? q.attributes['db.system.name']).toBe('sqlite');
        }
        expect(inTrace).toHaveLength(4);
      }
    },
    120_000,
  );
});

describe('the ASGI entry point under uvicorn', () => {
  let dir: string;
  beforeAll(() => {
    dir = projects['otlp-grpc']!;
    if (!dir) throw new Error('the gRPC project was not generated');
  });

  it('passes every smoke check with one worker', async () => {
    const report = await smokeWith(dir, uvicorn('config.asgi:application'));
    expect(
      report.checks.filter((c) => !c.ok),
      report.serviceOutput,
    ).toEqual([]);
    expect(report.checks.map((c) => c.name)).toContain('all spans delivered by shutdown');
  }, 120_000);

  it('flushes every worker on SIGTERM with two workers', async () => {
    const { checks, output } = await uvicornWorkers(dir, 2, 20);
    // Nothing lost is the point. Which async worker accepts each connection is up to the kernel (one
    // may take them all), so "every worker exports" is not asserted for uvicorn.
    expect(
      checks.filter((c) => !c.ok && !c.name.startsWith('every worker exports')),
      output,
    ).toEqual([]);
  }, 120_000);

  it("loses the buffered spans with Django's bare ASGI handler (why config/asgi.py answers the lifespan)", async () => {
    const report = await smokeWith(dir, uvicorn('config.asgi:django_application'));
    // Requests were served and traced, but nothing flushed the batch processor before the process died.
    expect(failing(report)['spans received']).toMatch(/never flushed/);
  }, 120_000);
});
