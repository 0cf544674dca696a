/**
 * Express, end to end on the current LTS Node (CTS_NODE, obtained by the network tier's setup): generated,
 * installed from the npm registry, its own tests, the smoke test over both OTLP protocols (one install:
 * the second run switches the protocol with OTEL_EXPORTER_OTLP_PROTOCOL) and on the console exporter;
 * then projects broken on purpose, each failing the check that names what is wrong.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers.js';
import { e2eHarness, failing, type SmokeJson } from './harness.js';
import { LOAD_ORDER_CHECK } from '../../src/smoke/node-checks.js';

const { root, projects, generate } = e2eHarness({ framework: 'express', rootPrefix: 'cts-e2e-express-' });

async function smoke(dir: string, env: NodeJS.ProcessEnv = {}) {
  const r = await runCli(['smoke', dir, '--json'], { cwd: root, env, timeoutMs: 180_000 });
  const result = JSON.parse(r.stdout) as { ok: boolean; smoke: SmokeJson & { protocol?: string } };
  return { code: r.code, report: result.smoke };
}

/** A copy of the gRPC project sharing its node_modules, with one file edited. */
function brokenCopy(name: string, file: string, edit: (text: string) => string): string {
  const base = projects['otlp-grpc']!;
  const dir = path.join(root, `broken-${name}`);
  cpSync(base, dir, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|dist|build-test)$/.test(src),
  });
  symlinkSync(path.join(base, 'node_modules'), path.join(dir, 'node_modules'));
  const target = path.join(dir, file);
  const before = readFileSync(target, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  writeFileSync(target, after);
  return dir;
}

describe('generated Express service', () => {
  let grpc: Awaited<ReturnType<typeof generate>>;
  beforeAll(async () => {
    grpc = await generate('otlp-grpc');
  }, 600_000);

  it('installs, writes a lockfile and passes every smoke check over gRPC', () => {
    const report = grpc.result.pipeline?.smoke;
    expect(report, grpc.stderr).toBeDefined();
    expect(
      report.checks.filter((c) => !c.ok),
      grpc.stderr,
    ).toEqual([]);
    expect(grpc.code).toBe(0);
    expect(report.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['child span', LOAD_ORDER_CHECK]));
    expect(report.spans.map((s) => s.name)).toContain('GET /process/:itemId');
    const lock = JSON.parse(readFileSync(path.join(projects['otlp-grpc']!, 'package-lock.json'), 'utf8'));
    expect(lock.packages['node_modules/@opentelemetry/sdk-node'].version).toBe('0.300.0');
    // One @opentelemetry/instrumentation in the tree: the set is matched.
    expect(Object.keys(lock.packages).filter((p) => p.endsWith('node_modules/@opentelemetry/instrumentation'))).toEqual(
      ['node_modules/@opentelemetry/instrumentation'],
    );
  });

  it('passes every smoke check over OTLP/HTTP, on the same install', async () => {
    const { code, report } = await smoke(projects['otlp-grpc']!, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
    expect(report.protocol).toBe('http/protobuf');
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(code).toBe(0);
  });

  it("passes the project's own tests", () => {
    const node = process.env.CTS_NODE!;
    const out = execFileSync('npm', ['test'], {
      cwd: projects['otlp-grpc']!,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}` },
      timeout: 120_000,
    });
    expect(out).toMatch(/ℹ pass [1-9]/);
    expect(out).toMatch(/ℹ fail 0/);
  });

  it('passes every smoke check with the console exporter', async () => {
    const consoleRun = await generate('console');
    const report = consoleRun.result.pipeline?.smoke;
    expect(
      report.checks.filter((c) => !c.ok),
      consoleRun.stderr,
    ).toEqual([]);
    expect(consoleRun.code).toBe(0);
  });
});

describe('the smoke test fails on an Express service wired wrong', () => {
  it('express imported before the SDK starts', async () => {
    const dir = brokenCopy('import-order', 'src/telemetry.ts', (t) => `import 'express';\n${t}`);
    const { code, report } = await smoke(dir);
    expect(code).toBe(1);
    const failures = failing(report);
    expect(failures[LOAD_ORDER_CHECK]).toMatch(/node --import/);
    expect(failures['server span']).toBeDefined();
  });

  it('no flush on SIGTERM', async () => {
    const dir = brokenCopy('no-flush', 'src/server.ts', (t) => t.replace('await shutdownTelemetry();', ''));
    const { code, report } = await smoke(dir);
    expect(code).toBe(1);
    // Nothing is exported before the batch delay (5 s): without the flush, no span ever leaves.
    expect(failing(report)['spans received']).toMatch(/never flushed/);
  });

  it('a SimpleSpanProcessor exporting to an unreachable collector', async () => {
    const dir = brokenCopy('simple-processor', 'src/telemetry.ts', (t) =>
      [
        "import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace';",
        "import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';",
        t.replace(
          'export const sdk = new NodeSDK({',
          [
            'export const sdk = new NodeSDK({',
            // Every span exported as it ends, to a closed port.
            '  spanProcessors: [new SimpleSpanProcessor({',
            "    exporter: new OTLPTraceExporter({ url: 'http://127.0.0.1:9' }),",
            '  })],',
          ].join('\n'),
        ),
      ].join('\n'),
    );
    const { code, report } = await smoke(dir);
    expect(code).toBe(1);
    expect(failing(report)['spans received']).toMatch(/exporter points somewhere else/);
  });
});

describe('interrupting the npm install', () => {
  it('Ctrl-C while npm installs: exit 130, the project kept, no node_modules or lockfile left', async () => {
    const dir = path.join(root, 'interrupted');
    const child = spawn(process.execPath, [CLI, dir, '--framework', 'express', '--yes'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!existsSync(path.join(dir, 'node_modules')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(existsSync(path.join(dir, 'node_modules')), output).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(output).toContain('cancelled');
    expect(existsSync(path.join(dir, 'package.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'node_modules'))).toBe(false);
    expect(existsSync(path.join(dir, 'package-lock.json'))).toBe(false);
  });
});
