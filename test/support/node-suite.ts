/**
 * The end-to-end suite of a Node framework, on the current LTS Node (CTS_NODE, obtained by the network
 * tier's setup): generated, installed from the npm registry, its own tests, the smoke test over both OTLP
 * protocols on one install (the second run switches the protocol with OTEL_EXPORTER_OTLP_PROTOCOL); then
 * copies broken on purpose (sharing its node_modules), each failing the check that names what is wrong.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOAD_ORDER_CHECK } from '../../src/runtimes/node/smoke-checks.js';
import { runCli } from './helpers.js';
import { e2eHarness, failing, type Generated, type SmokeJson } from './harness.js';

export interface NodeSuiteOptions {
  /** --framework, and the package the app imports (the one that must load after the SDK). */
  framework: string;
  displayName: string;
  /** The sample route's server span name. */
  serverSpan: string;
  /** Extra assertions on the generated gRPC project (its directory and the CLI run). */
  extra?: (dir: string, run: Generated) => void;
}

/** Declares the suite; returns its harness, for a framework's own tests on the same projects. */
export function nodeFrameworkSuite({ framework, displayName, serverSpan, extra }: NodeSuiteOptions) {
  const harness = e2eHarness({ framework, rootPrefix: `cts-e2e-${framework}-` });
  const { root, projects, generate } = harness;

  async function smoke(dir: string, env: NodeJS.ProcessEnv = {}) {
    const r = await runCli(['smoke', dir, '--json'], { cwd: root, env, timeoutMs: 180_000 });
    const result = JSON.parse(r.stdout) as { ok: boolean; smoke: SmokeJson & { protocol?: string } };
    return { code: r.code, report: result.smoke };
  }

  /** A copy of the gRPC project sharing its node_modules, with one file edited. */
  function brokenCopy(name: string, file: string, edit: (text: string) => string): string {
    const base = projects['otlp-grpc']!;
    const dir = path.join(root, `broken-${name}`);
    cpSync(base, dir, { recursive: true, filter: (src) => !/[/\\](node_modules|dist|build-test)$/.test(src) });
    symlinkSync(path.join(base, 'node_modules'), path.join(dir, 'node_modules'));
    const target = path.join(dir, file);
    const before = readFileSync(target, 'utf8');
    const after = edit(before);
    expect(after).not.toBe(before);
    writeFileSync(target, after);
    return dir;
  }

  describe(`generated ${displayName} service`, () => {
    let grpc: Generated;
    beforeAll(async () => {
      grpc = await generate('otlp-grpc');
    }, 600_000);

    it('installs one copy of each OpenTelemetry package and passes every smoke check over gRPC', () => {
      const report = grpc.result.pipeline?.smoke;
      expect(report, grpc.stderr).toBeDefined();
      expect(
        report.checks.filter((c) => !c.ok),
        grpc.stderr,
      ).toEqual([]);
      expect(grpc.code).toBe(0);
      expect(report.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['child span', LOAD_ORDER_CHECK]));
      expect(new Set(report.spans.map((s) => s.name))).toEqual(new Set([serverSpan, 'process_item_logic']));
      const lock = JSON.parse(readFileSync(path.join(projects['otlp-grpc']!, 'package-lock.json'), 'utf8'));
      for (const pkg of ['@opentelemetry/instrumentation', '@opentelemetry/core']) {
        expect(Object.keys(lock.packages).filter((p) => p.endsWith(`node_modules/${pkg}`))).toEqual([
          `node_modules/${pkg}`,
        ]);
      }
      extra?.(projects['otlp-grpc']!, grpc);
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
  });

  describe(`the smoke test fails on a ${displayName} service wired wrong`, () => {
    it(`${framework} imported before the SDK starts`, async () => {
      const dir = brokenCopy('import-order', 'src/telemetry.ts', (t) => `import '${framework}';\n${t}`);
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
            'export const sdk = new NodeSDK({\n  spanProcessors: [new SimpleSpanProcessor({ exporter: ' +
              "new OTLPTraceExporter({ url: 'http://127.0.0.1:9' }) })],",
          ),
        ].join('\n'),
      );
      const { code, report } = await smoke(dir);
      expect(code).toBe(1);
      expect(failing(report)['spans received']).toMatch(/exporter points somewhere else/);
    });
  });
  return harness;
}
