/**
 * A generated service (FastAPI or Express) installed by the CLI and run as a deployment would run it,
 * with two routes added for tail sampling to decide on: /slow (over the 500 ms latency policy) and /fail
 * (an error). Its OTLP/gRPC exporters point at a given loopback endpoint; each request joins a trace the
 * test chooses (traceparent), so the test knows which trace is which.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Receiver, ReceivedSpan } from '../../src/receiver/index.js';
import { freePort } from './collector.js';
import { runCli } from './helpers.js';

export interface Flavour {
  framework: 'fastapi' | 'express';
  /** The sample route's span names, server span first. */
  sample: [server: string, child: string];
  /** Adds /slow (a child span "slow_step" lasting 800 ms) and /fail (a child span "failing_step", then a 500). */
  addRoutes(dir: string): void;
  /** How the service starts in its image, on `port` of 127.0.0.1. */
  command(dir: string, port: number): string[];
}

const PYTHON_ROUTES = `

# --- added by the Collector test: a slow request and a failing one ---
@app.get("/slow")
async def _slow() -> dict:
    with tracer.start_as_current_span("slow_step"):
        await asyncio.sleep(0.8)
    return {"status": "slow"}


@app.get("/fail")
async def _fail() -> dict:
    with tracer.start_as_current_span("failing_step"):
        raise RuntimeError("failing on purpose")
`;

const EXPRESS_ROUTES = `
  // --- added by the Collector test: a slow request and a failing one ---
  app.get('/slow', async (_req, res) => {
    await tracer.startActiveSpan('slow_step', async (span) => {
      await sleep(800);
      span.end();
    });
    res.json({ status: 'slow' });
  });
  app.get('/fail', async () => {
    tracer.startActiveSpan('failing_step', (span) => span.end());
    throw new Error('failing on purpose');
  });

  return app;
}
`;

export const FASTAPI: Flavour = {
  framework: 'fastapi',
  sample: ['GET /process/{item_id}', 'process_item_logic'],
  addRoutes: (dir) => appendFileSync(path.join(dir, 'app', 'main.py'), PYTHON_ROUTES),
  command: (dir, port) => [path.join(dir, '.venv', 'bin', 'uvicorn'), 'app.main:app', '--port', String(port)],
};

export const EXPRESS: Flavour = {
  framework: 'express',
  sample: ['GET /process/:itemId', 'process_item_logic'],
  addRoutes(dir) {
    const file = path.join(dir, 'src', 'app.ts');
    const source = readFileSync(file, 'utf8');
    const end = '\n  return app;\n}\n';
    if (!source.includes(end)) throw new Error(`createApp() of ${file} no longer ends as expected`);
    writeFileSync(file, source.replace(end, EXPRESS_ROUTES));
    execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: 'ignore' });
  },
  command: (_dir, port) => [
    process.env.CTS_NODE ?? 'node',
    '--import',
    './dist/telemetry.js',
    'dist/server.js',
    '--port',
    String(port),
  ],
};

/** `create` with the flavour's framework into `root`, installed (no smoke test: other suites run it); its directory. */
export async function generateService(root: string, flavour: Flavour): Promise<string> {
  const name = `svc-${flavour.framework}`;
  const r = await runCli([name, '--yes', '--no-smoke', '--framework', flavour.framework, '--exporter', 'otlp-grpc'], {
    cwd: root,
    timeoutMs: 570_000,
  });
  if (r.code !== 0) throw new Error(`create failed (${r.code}):\n${r.stderr}`);
  const dir = path.join(root, name);
  flavour.addRoutes(dir);
  return dir;
}

export interface Service {
  /** GET `route` on the service, as part of trace `traceId` (a new span under a random remote parent). */
  get(route: string, traceId: string): Promise<number>;
  /** SIGTERM: the service flushes its spans, logs and metrics on the way out. */
  stop(): Promise<void>;
}

/** The service on a free loopback port, exporting OTLP/gRPC in plaintext to `endpoint` (host:port). */
export async function startService(flavour: Flavour, dir: string, endpoint: string): Promise<Service> {
  const port = await freePort();
  const [command, ...args] = flavour.command(dir, port);
  const child: ChildProcess = spawn(command!, [...args, '--host', '127.0.0.1'], {
    cwd: dir,
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://${endpoint}`, OTEL_EXPORTER_OTLP_INSECURE: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (
    !(await fetch(`${base}/healthz`).then(
      (res) => res.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`service did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    async get(route, traceId) {
      const headers = { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
      return (await fetch(`${base}${route}`, { headers })).status;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export const newTraceId = () => randomBytes(16).toString('hex');

export function byTrace(spans: ReceivedSpan[]): Map<string, ReceivedSpan[]> {
  const traces = new Map<string, ReceivedSpan[]>();
  for (const span of spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  return traces;
}

/** Waits until every trace in `ids` has reached `receivers` with at least `spans` spans each. */
export async function waitForTraces(
  receivers: Receiver[],
  ids: string[],
  spans: number,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const got = byTrace(receivers.flatMap((r) => r.spans));
    if (ids.every((id) => (got.get(id)?.length ?? 0) >= spans)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
