/** doctor on existing Express and Fastify services: what it reads, and each finding on a project that has it. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeFindings } from '../../../../src/runtimes/node/doctor/rules.js';
import { entryOrder, loadedModules } from '../../../../src/runtimes/node/doctor/imports.js';
import { diagnoseNodeService } from '../../../../src/runtimes/node/doctor/index.js';
import { runtimeFor } from '../../../../src/runtimes/index.js';
import { entryOfStartScript, readNodeDoctorView } from '../../../../src/runtimes/node/doctor/view.js';
import { runCli, scratchDir } from '../../../support/helpers.js';

const MATCHED = {
  '@opentelemetry/api': '1.10.0',
  '@opentelemetry/core': '3.0.0',
  '@opentelemetry/instrumentation-http': '0.300.0',
  '@opentelemetry/sdk-node': '0.300.0',
  '@opentelemetry/sdk-trace': '3.0.0',
};

const TELEMETRY = `import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
export const sdk = new NodeSDK({ instrumentations: [new HttpInstrumentation()] });
sdk.start();
`;

const SERVER = `import express from 'express';
import { sdk } from './telemetry.js';
const app = express();
const server = app.listen(8000);
process.once('SIGTERM', () => server.close(async () => { await sdk.shutdown(); process.exit(0); }));
`;

interface Fixture {
  dependencies?: Record<string, string>;
  start?: string;
  files?: Record<string, string>;
  type?: string;
}

/** A Node service on disk: package.json and sources; a good Express service unless told otherwise. */
function project(fx: Fixture = {}): string {
  const dir = scratchDir('cts-doctor-node-');
  const pkg = {
    name: 'svc',
    type: fx.type ?? 'module',
    scripts: { start: fx.start ?? 'node --import ./dist/telemetry.js dist/server.js' },
    dependencies: fx.dependencies ?? {
      ...MATCHED,
      express: '5.3.0',
      '@opentelemetry/instrumentation-express': '0.72.0',
    },
  };
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  const files = fx.files ?? { 'src/telemetry.ts': TELEMETRY, 'src/server.ts': SERVER };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const codes = (dir: string) => nodeFindings(readNodeDoctorView(dir)).map((f) => `${f.severity}:${f.code}`);

describe('doctor on a Node service', () => {
  it('finds nothing wrong with a service started with --import, one matched set and a flush on SIGTERM', () => {
    expect(codes(project())).toEqual([]);
  });

  it('reads the entry module from the start script, mapped back to its TypeScript source', () => {
    expect(entryOfStartScript('node --import ./dist/telemetry.js dist/server.js --port 8000')).toBe('dist/server.js');
    expect(entryOfStartScript('NODE_ENV=production node -r ./otel.cjs server.js')).toBe('server.js');
    expect(entryOfStartScript('next start')).toBeUndefined();
    expect(readNodeDoctorView(project()).entry?.path).toBe('src/server.ts');
  });

  it('names the framework imported before the SDK, at its line, when nothing is preloaded', () => {
    const dir = project({
      start: 'node dist/server.js',
      files: { 'src/telemetry.ts': TELEMETRY, 'src/server.ts': SERVER },
    });
    const findings = nodeFindings(readNodeDoctorView(dir));
    expect(findings.find((f) => f.code === 'node.start.sdk-after-framework')).toMatchObject({
      severity: 'error',
      where: 'src/server.ts:1',
    });
  });

  it('static imports run before the body: a require() of the SDK comes after an imported framework', () => {
    const entry = {
      path: 'src/server.ts',
      text: "const t = await import('./telemetry.js');\nimport express from 'express';\n",
    };
    const order = entryOrder(entry, [{ path: 'src/telemetry.ts', text: TELEMETRY }, entry]);
    expect(order.framework).toMatchObject({ specifier: 'express', how: 'import', line: 2 });
    expect(order.sdk).toMatchObject({ specifier: './telemetry.js', how: 'call', line: 1 });
    const dir = project({
      start: 'node dist/server.js',
      files: { 'src/telemetry.ts': TELEMETRY, 'src/server.ts': entry.text },
    });
    expect(codes(dir)).toContain('error:node.start.sdk-after-framework');
  });

  it('warns when the SDK is imported first but not preloaded (ESM packages stay unpatched)', () => {
    const server = SERVER.split('\n');
    const dir = project({
      start: 'node dist/server.js',
      files: { 'src/telemetry.ts': TELEMETRY, 'src/server.ts': [server[1], server[0], ...server.slice(2)].join('\n') },
    });
    expect(codes(dir)).toEqual(['warning:node.start.no-preload']);
  });

  it('reads a multi-line import list as one import at its first line', () => {
    const text = "import {\n  a,\n  b,\n} from './telemetry.js';\nimport express from 'express';\n";
    expect(loadedModules({ path: 'x.ts', text })).toEqual([
      { specifier: './telemetry.js', line: 1, how: 'import' },
      { specifier: 'express', line: 5, how: 'import' },
    ]);
  });

  it('reports stable and 0.x packages from different releases', () => {
    const dir = project({
      dependencies: {
        ...MATCHED,
        '@opentelemetry/sdk-node': '0.301.0',
        express: '5.3.0',
        '@opentelemetry/instrumentation-express': '0.72.0',
      },
    });
    const finding = nodeFindings(readNodeDoctorView(dir)).find((f) => f.code === 'node.otel.mixed-lines');
    expect(finding?.severity).toBe('error');
    expect(finding?.message).toContain('0.301');
  });

  it('reports a 0.x line that was not released with the stable one', () => {
    const deps = Object.fromEntries(Object.entries(MATCHED).map(([k, v]) => [k, v.replace('0.300.0', '0.301.0')]));
    const dir = project({
      dependencies: { ...deps, express: '5.3.0', '@opentelemetry/instrumentation-express': '0.72.0' },
    });
    expect(nodeFindings(readNodeDoctorView(dir)).find((f) => f.code === 'node.otel.mixed-lines')?.message).toMatch(
      /3\.0\.x but the 0\.x ones are 0\.301\.x/,
    );
  });

  it('reports a second @opentelemetry/instrumentation installed under a contrib package', () => {
    const dir = project();
    for (const rel of [
      'node_modules/@opentelemetry/instrumentation',
      'node_modules/@opentelemetry/instrumentation-express/node_modules/@opentelemetry/instrumentation',
    ]) {
      mkdirSync(path.join(dir, rel), { recursive: true });
      writeFileSync(
        path.join(dir, rel, 'package.json'),
        JSON.stringify({ version: rel.includes('express') ? '0.222.0' : '0.300.0' }),
      );
    }
    const finding = nodeFindings(readNodeDoctorView(dir)).find((f) => f.code === 'node.otel.duplicate-instrumentation');
    expect(finding?.message).toContain('0.222.0 in node_modules/@opentelemetry/instrumentation-express/node_modules');
  });

  it('sends Fastify users from the deprecated contrib instrumentation to @fastify/otel', () => {
    const base = { ...MATCHED, fastify: '5.12.8' };
    expect(codes(project({ dependencies: { ...base, '@opentelemetry/instrumentation-fastify': '0.50.0' } }))).toContain(
      'warning:node.fastify.contrib',
    );
    expect(codes(project({ dependencies: base }))).toContain('warning:node.fastify.no-route');
    expect(codes(project({ dependencies: { ...base, '@fastify/otel': '0.21.2' } }))).toEqual([]);
  });

  it('takes an onRequest hook added on fastify.initialization as naming the server span by the route', () => {
    const hook = [
      TELEMETRY,
      "import { subscribe } from 'node:diagnostics_channel';",
      "subscribe('fastify.initialization', ({ fastify }) => fastify.addHook('onRequest', recordRoute));",
    ].join('\n');
    const fastifyServer = SERVER.replace(/express/g, 'fastify');
    const deps = { ...MATCHED, fastify: '5.12.8' };
    expect(
      codes(project({ dependencies: deps, files: { 'src/telemetry.ts': hook, 'src/server.ts': fastifyServer } })),
    ).toEqual([]);
    // A channel of another name names nothing.
    const other = hook.replace('fastify.initialization', 'fastify.other');
    expect(
      codes(project({ dependencies: deps, files: { 'src/telemetry.ts': other, 'src/server.ts': fastifyServer } })),
    ).toEqual(['warning:node.fastify.no-route']);
  });

  it('warns when @fastify/otel is created but never registered', () => {
    const telemetry = [
      TELEMETRY,
      "import { FastifyOtelInstrumentation } from '@fastify/otel';",
      'new FastifyOtelInstrumentation();',
    ].join('\n');
    const dir = project({
      dependencies: { ...MATCHED, fastify: '5.12.8', '@fastify/otel': '0.21.2' },
      files: { 'src/telemetry.ts': telemetry, 'src/server.ts': SERVER.replace(/express/g, 'fastify') },
    });
    expect(codes(dir)).toEqual(['warning:node.fastify.not-registered']);
  });

  it('reports missing packages, ranges, no flush on SIGTERM and a SimpleSpanProcessor with OTLP', () => {
    const telemetry = [
      TELEMETRY,
      "import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace';",
      "import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';",
      // Constructed with the exporter behind a name: what the parser follows.
      'const exporter = new OTLPTraceExporter();',
      'export const processor = new SimpleSpanProcessor(exporter);',
    ].join('\n');
    const dir = project({
      dependencies: { '@opentelemetry/sdk-node': '^0.300.0', express: '5.3.0' },
      files: { 'src/telemetry.ts': telemetry, 'src/server.ts': SERVER.replace(/process\.once\('SIGTERM'.*\n/, '') },
    });
    expect(codes(dir)).toEqual([
      'error:node.http.missing',
      'warning:node.express.no-route',
      'warning:node.otel.unpinned',
      'warning:node.shutdown.no-flush',
      'warning:node.processor.simple',
    ]);
  });

  it('takes a flush called through an imported module, as the generated services do', () => {
    const telemetry = `${TELEMETRY}export function shutdownTelemetry() { return sdk.shutdown(); }\n`;
    const server = [
      "import { shutdownTelemetry } from './telemetry.js';",
      "import { start } from './app.js';",
      "process.once('SIGTERM', async () => { await shutdownTelemetry(); process.exit(0); });",
    ].join('\n');
    const files = {
      'src/telemetry.ts': telemetry,
      'src/server.ts': server,
      'src/app.ts': "import express from 'express';\n",
    };
    expect(codes(project({ files }))).toEqual([]);
  });

  it('says nothing starts the SDK when no module does', () => {
    const dir = project({
      start: 'node server.js',
      dependencies: { express: '5.3.0' },
      files: { 'server.js': "import express from 'express';\n" },
    });
    expect(codes(dir)).toEqual([
      'error:node.sdk.missing',
      'error:node.http.missing',
      'warning:node.express.no-route',
      'warning:node.start.no-sdk',
    ]);
  });

  it('takes a package.json beside pyproject.toml for a Python project', () => {
    const dir = project();
    expect(runtimeFor(dir).name).toBe('node');
    writeFileSync(path.join(dir, 'pyproject.toml'), '[project]\nname = "x"\n');
    expect(runtimeFor(dir).name).toBe('python');
  });

  it('leads with what it found', () => {
    expect(diagnoseNodeService(project()).findings[0]).toMatchObject({ code: 'node.detected', severity: 'info' });
    expect(diagnoseNodeService(project()).findings[0]?.message).toContain('express 5.3.0');
  });
});

describe('doctor command on a Node service', () => {
  it('exits 1 and names the import order, as JSON', async () => {
    const dir = project({ start: 'node dist/server.js' });
    const r = await runCli(['doctor', dir, '--json']);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { findings: { code: string }[]; project: { runtime: string } };
    expect(out.project.runtime).toBe('node');
    expect(out.findings.map((f) => f.code)).toContain('node.start.sdk-after-framework');
  });

  it('exits 0 on a service wired right', async () => {
    const r = await runCli(['doctor', project(), '--json']);
    expect(r.code, r.stdout).toBe(0);
  });
});
