import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnoseNodeService } from '../../../../src/runtimes/node/doctor/index.js';
import { analyseNodeProject, appConstruction, loadOrder } from '../../../../src/runtimes/node/existing/project.js';
import { sampleRoute } from '../../../../src/runtimes/node/existing/routes.js';
import { otelVersionProblem } from '../../../../src/runtimes/node/existing/versions-check.js';

const fixture = (name: string) => path.resolve('test/fixtures/existing-node', name);

describe('analyseNodeProject', () => {
  it('reads an Express CommonJS service started with node server.js', () => {
    const p = analyseNodeProject(fixture('express-cjs'));
    expect(p.framework).toEqual({ name: 'express', range: '^4.21.2' });
    expect(p.moduleType).toBe('commonjs');
    expect(p.packageManager).toEqual({ name: 'npm', lockfile: 'package-lock.json' });
    expect(p.start.command?.entry).toBe('server.js');
    expect(p.entry).toEqual({ run: 'server.js', source: 'server.js', exists: true });
    expect(p.modules.map((m) => m.file)).toEqual(['server.js', 'routes/orders.js']);
    expect(appConstruction(p)).toEqual({ framework: 'express', file: 'server.js', line: 6 });
    expect(p.docker?.start).toMatchObject({ form: 'exec', runsNode: true, entry: 'server.js', preloaded: false });
    expect(sampleRoute(p, ['/healthz'])).toEqual({ path: '/status', template: '/status' });
    expect(p.modules[0]!.scan.readsPort).toBe(true);
  });

  it('maps a tsc-built ESM Fastify entry back to its TypeScript source', () => {
    const p = analyseNodeProject(fixture('fastify-ts'));
    expect(p.framework?.name).toBe('fastify');
    expect(p.moduleType).toBe('module');
    expect(p.typescript).toEqual({ tsconfig: 'tsconfig.json', outDir: 'dist', rootDir: 'src', commonjs: false });
    expect(p.entry).toEqual({ run: 'dist/server.js', source: 'src/server.ts', exists: true });
    expect(p.modules.map((m) => m.file)).toEqual(['src/server.ts', 'src/catalog.ts']);
    expect(p.modules[0]!.esm).toBe(true);
    expect(appConstruction(p)).toMatchObject({ framework: 'fastify', line: 4 });
    expect(p.packageManager).toEqual({ name: 'npm' });
    expect(sampleRoute(p, ['/healthz'])).toEqual({ path: '/items', template: '/items' });
  });

  it('orders loads as CommonJS evaluates them: the SDK required after express', () => {
    const p = analyseNodeProject(fixture('express-broken'));
    const { framework, sdk } = loadOrder(p);
    expect(framework).toMatchObject({ file: 'index.js', line: 1 });
    expect(sdk).toMatchObject({ file: 'tracing.js', line: 5, what: 'new NodeSDK()' });
    expect(p.events.indexOf(framework!)).toBeLessThan(p.events.indexOf(sdk!));
  });
});

const findingsOf = (dir: string) => diagnoseNodeService(dir, analyseNodeProject(dir)).findings;

describe('doctor findings on the analysis', () => {
  const codes = (name: string) => findingsOf(fixture(name)).map((f) => f.code);

  it('names every problem of the broken service', () => {
    expect(codes('express-broken')).toEqual([
      'node.detected',
      'node.http.missing',
      'node.express.no-route',
      'node.otel.mixed-lines',
      'node.otel.unpinned',
      'node.start.sdk-after-framework',
      'node.shutdown.no-flush',
      'node.processor.simple',
    ]);
    const mixed = findingsOf(fixture('express-broken')).find((f) => f.code === 'node.otel.mixed-lines');
    expect(mixed?.message).toMatch(/sdk-node \^0\.57\.2 was not released with .* \(that is 0\.200\.x\)/);
  });

  it('says an untraced service is not traced, and nothing else', () => {
    const untraced = ['node.detected', 'node.sdk.missing', 'node.http.missing'];
    expect(codes('express-cjs')).toEqual([...untraced, 'node.express.no-route', 'node.start.no-sdk']);
    expect(codes('fastify-ts')).toEqual([...untraced, 'node.fastify.no-route', 'node.start.no-sdk']);
  });

  it('reads a preloaded file first, and flags @fastify/otel that is never registered', async () => {
    const { cpSync, writeFileSync } = await import('node:fs');
    const { scratchDir } = await import('../../../support/helpers.js');
    const dir = path.join(scratchDir('cts-node-'), 'preload');
    cpSync(fixture('express-cjs'), dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({
        scripts: { start: 'node -r ./tracing.js server.js' },
        dependencies: { express: '4', '@fastify/otel': '0.21.2', '@opentelemetry/instrumentation-http': '0.300.0' },
      }),
    );
    writeFileSync(
      path.join(dir, 'tracing.js'),
      "const { NodeSDK } = require('@opentelemetry/sdk-node');\n" +
        "const { FastifyOtelInstrumentation } = require('@fastify/otel');\n" +
        'const sdk = new NodeSDK({ instrumentations: [new FastifyOtelInstrumentation()] });\n' +
        'sdk.start();\n' +
        "process.on('SIGTERM', () => sdk.shutdown());\n",
    );
    const p = analyseNodeProject(dir);
    expect(p.modules[0]!.file).toBe('tracing.js');
    expect(loadOrder(p).sdk).toMatchObject({ file: 'tracing.js', line: 3 });
    const found = findingsOf(dir).map((f) => f.code);
    expect(found).toContain('node.fastify.not-registered');
    expect(found).toContain('node.express.no-route');
    expect(found).not.toContain('node.start.sdk-after-framework');
    expect(found).not.toContain('node.shutdown.no-flush');
  });
});

describe('otelVersionProblem', () => {
  it('pairs the stable and experimental lines', () => {
    expect(
      otelVersionProblem({ '@opentelemetry/core': '3.0.0', '@opentelemetry/sdk-node': '0.300.0' }),
    ).toBeUndefined();
    expect(
      otelVersionProblem({ '@opentelemetry/core': '^2.1.0', '@opentelemetry/sdk-node': '^0.201.1' }),
    ).toBeUndefined();
    expect(otelVersionProblem({ '@opentelemetry/core': '^2.0.0', '@opentelemetry/sdk-node': '^0.57.2' })).toMatch(
      /was not released with .*0\.200\.x/,
    );
    expect(otelVersionProblem({ '@opentelemetry/core': '2.0.0', '@opentelemetry/resources': '3.0.0' })).toMatch(
      /different releases of the stable/,
    );
  });
});

describe('doctor without an entry', () => {
  it('says the load order was not checked when the start script runs another tool', async () => {
    const { cpSync, writeFileSync } = await import('node:fs');
    const { scratchDir } = await import('../../../support/helpers.js');
    const dir = path.join(scratchDir('cts-node-'), 'nx');
    cpSync(fixture('express-cjs'), dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ scripts: { start: 'nx serve' }, dependencies: { express: '4' } }),
    );
    const findings = findingsOf(dir);
    expect(findings.find((f) => f.code === 'node.start.no-entry')?.message).toMatch(
      /start script runs nx\): the order/,
    );
  });
});

describe('an SDK started from an ES module import', () => {
  it('is reported as not preloaded: ESM-only packages stay unpatched', async () => {
    const { cpSync, readFileSync, writeFileSync } = await import('node:fs');
    const { scratchDir } = await import('../../../support/helpers.js');
    const dir = path.join(scratchDir('cts-node-'), 'esm-sdk');
    cpSync(fixture('fastify-ts'), dir, { recursive: true });
    const server = path.join(dir, 'src/server.ts');
    writeFileSync(server, `import './tracing.js';\n${readFileSync(server, 'utf8')}`);
    writeFileSync(
      path.join(dir, 'src/tracing.ts'),
      "import { NodeSDK } from '@opentelemetry/sdk-node';\nnew NodeSDK().start();\n",
    );
    const findings = findingsOf(dir);
    expect(findings.find((f) => f.code === 'node.start.no-preload')?.where).toBe('src/server.ts:1');
  });
});
