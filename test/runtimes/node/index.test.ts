/** The Node runtime without network: version sets, escaping, the rendered project, its console output. */
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { jsString } from '../../../src/core/escape.js';
import { UsageError } from '../../../src/core/errors.js';
import { parseServiceOptions } from '../../../src/options/schema.js';
import { plan } from '../../../src/generate/plan.js';
import { runtimeOf } from '../../../src/runtimes/index.js';

const planOf = (o: Parameters<typeof plan>[0]) => plan(o, runtimeOf(o.framework));
import { parseNodeConsoleSpans } from '../../../src/runtimes/node/console.js';
import { findServiceNode } from '../../../src/runtimes/node/env.js';
import {
  caretAdmits,
  experimentalLineFor,
  NODE_OTEL_SETS,
  nodeSetProblem,
  type NodeOtelSet,
} from '../../../src/catalog/node-sets.js';
import { LOAD_ORDER_CHECK, loadOrderCheck } from '../../../src/runtimes/node/smoke-checks.js';
import { runCli, scratchDir } from '../../support/helpers.js';

/** The value of the string literal `literal` as TypeScript reads it (undefined when it does not parse as one). */
function tsStringValue(literal: string): string | undefined {
  const source = ts.createSourceFile('x.ts', `const v = ${literal};`, ts.ScriptTarget.ES2022, true);
  const diagnostics = (source as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics;
  if (diagnostics.length > 0) return undefined;
  const declaration = (source.statements[0] as ts.VariableStatement).declarationList.declarations[0]!;
  const init = declaration.initializer;
  return init && ts.isStringLiteral(init) ? init.text : undefined;
}

const wellFormed = (s: string) => !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));

describe('jsString', () => {
  it('is a TypeScript string literal holding exactly the value', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.string({
        unit: fc.constantFrom(
          ...["'", '"', '\\', '`', '${', '\n', '\r', '\u2028', '\u2029', '\u0000', '\u202e', '🚀', 'a'],
        ),
        maxLength: 20,
      }),
    );
    fc.assert(
      fc.property(text, (s) => {
        fc.pre(wellFormed(s));
        const literal = jsString(s);
        expect(tsStringValue(literal)).toBe(s);
        // The same literal evaluated: what Node runs.
        expect(new Function(`return ${literal};`)()).toBe(s);
        // Nothing that ends a line or reads differently from how it runs stays raw in the source.
        expect(literal).not.toMatch(/[\n\r\u2028\u2029\u202e]/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('Node OpenTelemetry sets', () => {
  it('every shipped set is matched', () => {
    for (const set of Object.values(NODE_OTEL_SETS)) expect(nodeSetProblem(set)).toBeUndefined();
  });

  it('refuses a contrib instrumentation built on another experimental line', () => {
    const set: NodeOtelSet = {
      ...NODE_OTEL_SETS['3.0'],
      stable: '3.1.0',
      experimental: '0.301.0',
    };
    expect(nodeSetProblem(set)).toMatch(/instrumentation-express@0\.72\.0 depends on .* \^0\.300\.0, not 0\.301\.0/);
    expect(nodeSetProblem({ ...set, experimental: '0.300.0' })).toMatch(/not released with stable 3\.1\.0/);
  });

  it('reads caret ranges as npm does on 0.x', () => {
    expect(caretAdmits('^0.300.0', '0.300.2')).toBe(true);
    expect(caretAdmits('^0.300.0', '0.301.0')).toBe(false);
    expect(caretAdmits('^0.300.1', '0.300.0')).toBe(false);
    expect(caretAdmits('^3.0.0', '3.1.1')).toBe(true);
    expect(experimentalLineFor('3.1.0')).toBe('0.301');
    expect(experimentalLineFor('2.12.0')).toBeUndefined();
  });
});

describe('the Express project', () => {
  const files = (options: Record<string, unknown>) =>
    new Map(
      planOf(parseServiceOptions({ serviceName: 'svc', framework: 'express', ...options })).files.map((f) => [
        f.path,
        f.content,
      ]),
    );

  it('is a Node project on the node runtime: no Python file, the shared collector config', () => {
    const project = files({});
    expect(runtimeOf('express').name).toBe('node');
    for (const p of ['package.json', 'src/telemetry.ts', 'src/server.ts', 'src/app.ts', 'Dockerfile', 'compose.yaml'])
      expect(project.has(p), p).toBe(true);
    expect([...project.keys()].filter((p) => p.endsWith('.py') || p.startsWith('app/'))).toEqual([]);
    const python = new Map(planOf(parseServiceOptions({ serviceName: 'svc' })).files.map((f) => [f.path, f.content]));
    expect(project.get('otel-collector-config.yaml')).toBe(python.get('otel-collector-config.yaml'));
    expect(project.get('compose.yaml')).not.toMatch(/python/i);
  });

  it('ships the two collector tiers of the Python services, and its README points to them', () => {
    const project = files({});
    const python = new Map(planOf(parseServiceOptions({ serviceName: 'svc' })).files.map((f) => [f.path, f.content]));
    for (const p of ['deploy/two-tier/load-balancer.yaml', 'deploy/two-tier/tail-sampling-gateway.yaml'])
      expect(project.get(p), p).toBe(python.get(p));
    expect(project.get('README.md')).toContain('## More than one collector');
    expect(project.get('README.md')).toContain('`deploy/two-tier/`');
  });

  it('pins every package exactly and starts with --import', () => {
    const pkg = JSON.parse(files({}).get('package.json')!) as Record<string, Record<string, string>>;
    const all = { ...pkg.dependencies, ...pkg.devDependencies };
    expect(Object.values(all).filter((v) => !/^\d+\.\d+\.\d+$/.test(v))).toEqual([]);
    expect(all['@opentelemetry/sdk-node']).toBe(NODE_OTEL_SETS['3.0'].experimental);
    expect(pkg.scripts!.start).toBe('node --import ./dist/telemetry.js dist/server.js');
    expect(pkg.engines!.node).toBe('>=22.15.0');
  });

  it('writes typed values as TypeScript literals that hold them exactly', () => {
    const name = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
      .filter(
        (s) =>
          s.trim() !== '' &&
          !s.includes('/') &&
          !/[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]/u.test(s) &&
          s.trim() !== '.' &&
          s.trim() !== '..',
      );
    fc.assert(
      fc.property(name, name, (serviceName, value) => {
        const o = { serviceName, resourceAttributes: { 'team.name': value } };
        const telemetry = files(o).get('src/otel-config.ts')!;
        const source = ts.createSourceFile('t.ts', telemetry, ts.ScriptTarget.ES2022, true);
        expect((source as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics).toEqual([]);
        const literal = /export const SERVICE_NAME = (.*);\n/.exec(telemetry)![1]!;
        expect(tsStringValue(literal)).toBe(serviceName.trim());
        const attr = /\['team\.name'\]: (.*),\n/.exec(telemetry)![1]!;
        expect(tsStringValue(attr)).toBe(value);
      }),
      { numRuns: 60 },
    );
  });

  it('turns the exclusion list into patterns that match exactly the excluded paths', () => {
    const source = files({ excludedUrls: '/healthz,/api/v1/status' }).get('src/instrumentations.ts')!;
    const patterns = [...source.matchAll(/new RegExp\((.*)\),/g)].map((m) => new RegExp(tsStringValue(m[1]!)!));
    const excluded = (url: string) => patterns.some((p) => p.test(url));
    expect(excluded('http://h:8000/healthz')).toBe(true);
    expect(excluded('http://h:8000/healthz?probe=1')).toBe(true);
    expect(excluded('http://h:8000/api/v1/status')).toBe(true);
    expect(excluded('http://h:8000/healthzz')).toBe(false);
    expect(excluded('http://h:8000/process/1')).toBe(false);
  });
});

describe('parseNodeConsoleSpans', () => {
  const line = (span: Record<string, unknown>) => JSON.stringify({ 'otel.span': span });
  it('reads the span lines among log lines', () => {
    const out = [
      'listening on http://127.0.0.1:8000',
      line({
        traceId: 'AB'.repeat(16),
        spanId: '01'.repeat(8),
        parentSpanId: '',
        name: 'GET /process/:itemId',
        kind: 'SERVER',
        startTimeUnixNano: '1700000000000000001',
        endTimeUnixNano: '1700000000050000000',
        attributes: { 'http.route': '/process/:itemId', 'http.response.status_code': 200 },
        status: { code: 'UNSET', message: '' },
        events: [],
        links: [],
        resource: { 'service.name': 'svc' },
        scope: { name: '@opentelemetry/instrumentation-http', version: '0.300.0' },
      }),
      'processed item {"otel.span": not json',
      // A span line cut short (the process died mid-write): not a span.
      line({ traceId: 'cd'.repeat(16), spanId: '02'.repeat(8), name: 'child', kind: 'INTERNAL' }).slice(0, 40),
    ].join('\n');
    const spans = parseNodeConsoleSpans(out, 7);
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({
      traceId: 'ab'.repeat(16),
      kind: 'SERVER',
      startTimeUnixNano: 1700000000000000001n,
      attributes: { 'http.route': '/process/:itemId' },
      resource: { 'service.name': 'svc' },
      transport: 'console',
      receivedAtMs: 7,
    });
  });
});

describe('loadOrderCheck', () => {
  const server = (route?: string) =>
    parseNodeConsoleSpans(
      JSON.stringify({
        'otel.span': {
          traceId: 'a'.repeat(32),
          spanId: 'b'.repeat(16),
          kind: 'SERVER',
          name: 'GET',
          attributes: route ? { 'http.route': route } : {},
        },
      }),
    );
  it('passes with the route recorded and no warning', () => {
    expect(loadOrderCheck({ output: 'listening', spans: server('/p/:id'), route: '/p/:id' })).toMatchObject({
      name: LOAD_ORDER_CHECK,
      ok: true,
    });
  });
  it('fails on the SDK warning, even with spans', () => {
    const output =
      'Module express has been loaded before @opentelemetry/instrumentation-express so it might not work, ' +
      'please initialize it before requiring express';
    const c = loadOrderCheck({ output, spans: server('/p/:id'), route: '/p/:id' });
    expect(c.ok).toBe(false);
    expect(c.detail).toContain('express before @opentelemetry/instrumentation-express');
    expect(c.diagnosis).toMatch(/node --import/);
  });
  it('fails when the framework left no route on the server span, or there is none', () => {
    expect(loadOrderCheck({ output: '', spans: server(), route: '/p/:id' }).detail).toMatch(
      /framework was not instrumented/,
    );
    expect(loadOrderCheck({ output: '', spans: [], route: '/p/:id' }).detail).toMatch(/http itself/);
  });
});

describe('findServiceNode', () => {
  const saved = process.env.CTS_NODE;
  afterEach(() => {
    if (saved === undefined) delete process.env.CTS_NODE;
    else process.env.CTS_NODE = saved;
  });
  const fakeNode = (version: string) => {
    const file = path.join(scratchDir('cts-node-'), 'node');
    writeFileSync(file, `#!/bin/sh\necho ${version}\n`);
    chmodSync(file, 0o755);
    return file;
  };

  it('refuses a Node older than the set needs, naming the fix', async () => {
    process.env.CTS_NODE = fakeNode('22.14.0');
    const error = await findServiceNode('22.15.0').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/needs Node 22\.15\.0 or newer .* is 22\.14\.0; .*CTS_NODE/);
  });

  it('takes a recent enough one, its directory first on PATH', async () => {
    const node = fakeNode('24.1.0');
    process.env.CTS_NODE = node;
    expect(await findServiceNode('22.15.0')).toEqual({ command: node, version: '24.1.0', binDir: path.dirname(node) });
  });
});

describe('the Express deployment files', () => {
  const project = new Map(
    planOf(parseServiceOptions({ serviceName: 'svc', framework: 'express' })).files.map((f) => [f.path, f.content]),
  );
  it('builds in one stage and runs in another, as a non-root user, under tini, in exec form', () => {
    const dockerfile = project.get('Dockerfile')!;
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^COPY --from=build \/srv\/dist \.\/dist$/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
    const cmd = /^CMD (.*)$/m.exec(dockerfile)![1]!;
    expect(JSON.parse(cmd)).toEqual([
      'node',
      '--import',
      './dist/telemetry.js',
      'dist/server.js',
      '--host',
      '0.0.0.0',
      '--port',
      '8000',
    ]);
  });
  it('compose points the service at the collector and checks health with node', () => {
    const compose = project.get('compose.yaml')!;
    expect(compose).toContain('OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel-collector:4317"');
    const app = (parseYaml(compose) as { services: Record<string, { healthcheck: { test: string[] } }> }).services.app!;
    const [cmd, node, flag, script] = app.healthcheck.test;
    expect([cmd, node, flag]).toEqual(['CMD', 'node', '-e']);
    // The health probe is a JavaScript program that requests the health route.
    expect(() => new Function(script!)).not.toThrow();
    expect(script).toContain("fetch('http://127.0.0.1:8000/healthz'");
  });
});

describe('create with a Node too old for the service', () => {
  it('exits 2 naming the fix, before writing anything', async () => {
    const root = scratchDir('cts-old-node-');
    const node = path.join(root, 'node');
    writeFileSync(node, '#!/bin/sh\necho 20.19.0\n');
    chmodSync(node, 0o755);
    const r = await runCli(['svc', '--framework', 'express', '--yes'], { cwd: root, env: { CTS_NODE: node } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /needs Node 22\.15\.0 or newer .* is 20\.19\.0; install a current LTS Node, or set CTS_NODE/,
    );
    expect(existsSync(path.join(root, 'svc'))).toBe(false);
  });
});
