/**
 * Django, end to end: generate with each exporter, install from the package index, run the generated
 * project's own pytest suite, and pass every smoke check (for OTLP, including the two-worker gunicorn
 * phase). Then the ASGI entry point under uvicorn, with one worker and with two, and projects broken on
 * purpose in the ways the generated README warns about.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getFramework } from '../../src/frameworks/index.js';
import type { ServiceOptions } from '../../src/options.js';
import { startReceiver } from '../../src/receiver/index.js';
import { runMultiWorkerChecks, type SentRequest } from '../../src/smoke/checks.js';
import { expectationFor, runSmoke, type SmokeReport } from '../../src/smoke/run.js';
import { freePort, serviceEnv, startService, waitUntilReady } from '../../src/smoke/service.js';
import { runCli, scratchDir } from '../helpers.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  diagnosis?: string;
}
interface SmokeJson {
  ok: boolean;
  checks: Check[];
}

const root = scratchDir('cts-e2e-django-');
const projects: Record<string, string> = {};

async function generate(exporter: string): Promise<{ code: number | null; result: { ok: boolean; pipeline: { smoke: SmokeJson } }; stderr: string }> {
  const dir = `django-${exporter}`;
  const r = await runCli(
    [dir, '--yes', '--json', '--framework', 'django', '--exporter', exporter, '--service-name', `shop "${exporter}"`, '--environment', 'e2e'],
    { cwd: root, timeoutMs: 570_000 },
  );
  projects[exporter] = path.join(root, dir);
  return { code: r.code, result: JSON.parse(r.stdout || '{}'), stderr: r.stderr };
}

function failing(checks: Check[]): Record<string, string> {
  return Object.fromEntries(checks.filter((c) => !c.ok).map((c) => [c.name, c.diagnosis ?? '']));
}

describe.each(['otlp-grpc', 'otlp-http', 'console'])('generated Django service with %s exporter', (exporter) => {
  let outcome: Awaited<ReturnType<typeof generate>>;
  beforeAll(async () => {
    outcome = await generate(exporter);
  }, 600_000);

  it('installs and passes every smoke check', () => {
    const smoke = outcome.result.pipeline?.smoke;
    expect(smoke, outcome.stderr).toBeDefined();
    expect(smoke.checks.filter((c) => !c.ok), outcome.stderr).toEqual([]);
    expect(outcome.code).toBe(0);
    const names = smoke.checks.map((c) => c.name);
    expect(names).toContain('child span');
    expect(names).toContain('all spans delivered by shutdown');
    if (exporter !== 'console') {
      // The gunicorn phase with two workers ran: both exported, nothing was lost on SIGTERM.
      expect(names).toContain('every worker exports (2 workers)');
      expect(names).toContain('nothing lost on SIGTERM (2 workers)');
    }
    expect(outcome.stderr).toContain('GET process/<str:item_id>');
    expect(outcome.stderr).toContain('└─ process_item_logic');
  });

  it("passes the generated project's own pytest suite", () => {
    const python = path.join(projects[exporter]!, '.venv', 'bin', 'python');
    const out = execFileSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], { cwd: projects[exporter], encoding: 'utf8', timeout: 120_000 });
    expect(out).toMatch(/\d+ passed/);
    expect(out).not.toMatch(/failed|error/i);
  });
});

// --- The ASGI entry point under uvicorn -------------------------------------------------------------

function projectOptions(dir: string): ServiceOptions {
  return (JSON.parse(readFileSync(path.join(dir, '.create-traced-service.json'), 'utf8')) as { options: ServiceOptions }).options;
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
  return runSmoke({ projectDir: dir, venvDir: path.join(dir, '.venv'), options: projectOptions(dir), serverCommand });
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
    env: serviceEnv(path.join(dir, '.venv'), {
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
  const expectation = expectationFor({ projectDir: dir, venvDir: path.join(dir, '.venv'), options: projectOptions(dir) });
  const run = await serve(dir, uvicorn('config.asgi:application', workers), async (base) => {
    const sent: SentRequest[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < requests) {
          next++;
          const started = performance.now();
          const status = await request(base + expectation.requestPath);
          sent.push({ purpose: 'sample', path: expectation.requestPath, status, durationMs: performance.now() - started });
        }
      }),
    );
    return sent;
  });
  return {
    checks: runMultiWorkerChecks({ expectation, workers, spans: run.spans, requests: run.driven, shutdown: run.shutdown }),
    output: run.output,
  };
}

describe('database spans from a real server', () => {
  it.each([
    ['gunicorn (WSGI)', (port: number) => getFramework('django').serverCommand({ host: '127.0.0.1', port })],
    ['uvicorn (ASGI)', uvicorn('config.asgi:application')],
  ])('%s: each query is a CLIENT span under the manual span, all flushed on SIGTERM', async (_server, argv) => {
    const dir = projects['otlp-grpc']!;
    const run = await serve(dir, argv, async (base) => [await request(`${base}/items/e2e-sku/visits`, 'POST'), await request(`${base}/items/e2e-sku/visits`, 'POST')]);
    expect(run.driven, run.output).toEqual([200, 200]);
    expect(run.shutdown.killed).toBe(false);
    const servers = run.spans.filter((s) => s.kind === 'SERVER');
    expect(servers.map((s) => s.name)).toEqual(['POST items/<str:item_id>/visits', 'POST items/<str:item_id>/visits']);
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
  }, 120_000);
});

describe('the ASGI entry point under uvicorn', () => {
  let dir: string;
  beforeAll(() => {
    dir = projects['otlp-grpc']!;
    if (!dir) throw new Error('the gRPC project was not generated');
  });

  it('passes every smoke check with one worker', async () => {
    const report = await smokeWith(dir, uvicorn('config.asgi:application'));
    expect(report.checks.filter((c) => !c.ok), report.serviceOutput).toEqual([]);
    expect(report.checks.map((c) => c.name)).toContain('all spans delivered by shutdown');
  }, 120_000);

  it('flushes every worker on SIGTERM with two workers', async () => {
    const { checks, output } = await uvicornWorkers(dir, 2, 20);
    expect(checks.filter((c) => !c.ok), output).toEqual([]);
  }, 120_000);

  it("loses the buffered spans with Django's bare ASGI handler (why config/asgi.py answers the lifespan)", async () => {
    const report = await smokeWith(dir, uvicorn('config.asgi:django_application'));
    // Requests were served and traced, but nothing flushed the batch processor before the process died.
    expect(failing(report.checks)['spans received']).toMatch(/never flushed/);
  }, 120_000);
});

// --- Broken on purpose ------------------------------------------------------------------------------

/** A copy of the gRPC project sharing its venv, with `mutate` applied. */
function brokenCopy(name: string, mutate: (dir: string) => void): string {
  const base = projects['otlp-grpc']!;
  const dir = path.join(root, `broken-${name}`);
  cpSync(base, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.venv`) && !src.includes('__pycache__') });
  symlinkSync(path.join(base, '.venv'), path.join(dir, '.venv'));
  mutate(dir);
  return dir;
}

async function smokeOf(dir: string): Promise<{ code: number | null; checks: Check[] }> {
  const r = await runCli(['smoke', dir, '--json'], { cwd: root, timeoutMs: 180_000 });
  const result = JSON.parse(r.stdout) as { ok: boolean; smoke: SmokeJson };
  return { code: r.code, checks: result.smoke.checks };
}

describe('the smoke test fails on a Django service wired wrong', () => {
  beforeAll(() => {
    if (!projects['otlp-grpc']) throw new Error('the gRPC project was not generated');
  });

  it('instrumented after the application was loaded: no server span', async () => {
    const dir = brokenCopy('late-instrumentation', (d) => {
      const file = path.join(d, 'config', 'wsgi.py');
      const source = readFileSync(file, 'utf8');
      const moved = source.replace('\notel.instrument()\n', '\n').replace('application = get_wsgi_application()\n', 'application = get_wsgi_application()\notel.instrument()  # too late: the handler has read MIDDLEWARE\n');
      expect(moved).not.toBe(source);
      writeFileSync(file, moved);
    });
    const { code, checks } = await smokeOf(dir);
    expect(code).toBe(1);
    expect(failing(checks)['server span']).toMatch(/not instrumented/);
  }, 180_000);

  it('exclusions removed: the health check gets spans', async () => {
    const dir = brokenCopy('no-exclusions', (d) => {
      const file = path.join(d, 'config', 'otel.py');
      const source = readFileSync(file, 'utf8');
      const broken = source.replace('excluded_urls=EXCLUDED_URLS,', 'excluded_urls="",');
      expect(broken).not.toBe(source);
      writeFileSync(file, broken);
    });
    const { code, checks } = await smokeOf(dir);
    expect(code).toBe(1);
    // The readiness polls of /healthz now produce spans too, which the two-worker phase counts as
    // "more spans than requests explain"; every other check of the main phase still passes.
    const failed = Object.keys(failing(checks)).filter((name) => !name.endsWith('(2 workers)'));
    expect(failed).toEqual(['excluded URLs produce no span']);
  }, 180_000);
});
