/** Fastify's generated project: its own template layer over the Node base, and one copy of each OTel package. */
import { describe, expect, it } from 'vitest';
import { parseServiceOptions } from '../../src/options/schema.js';
import { plan } from '../../src/generate/plan.js';
import { runtimeOf } from '../../src/runtimes/index.js';

const planOf = (o: Parameters<typeof plan>[0]) => plan(o, runtimeOf(o.framework));
import { nodeOtelSet, nodeOverrides } from '../../src/catalog/node-sets.js';

function files(framework: string) {
  return planOf(parseServiceOptions({ serviceName: 'svc', framework })).files;
}

function packageJson(framework: string) {
  const file = files(framework).find((f) => f.path === 'package.json');
  return JSON.parse(String(file?.content)) as Record<string, Record<string, unknown>>;
}

describe('--framework fastify', () => {
  it('layers its app, instrumentations and test over the Node base', () => {
    const paths = files('fastify').map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'src/app.ts',
        'src/instrumentations.ts',
        'src/server.ts',
        'src/telemetry.ts',
        'test/app.test.ts',
      ]),
    );
    const app = String(files('fastify').find((f) => f.path === 'src/app.ts')?.content);
    expect(app).toContain("from 'fastify'");
    expect(app).not.toContain('express');
    const readme = String(files('fastify').find((f) => f.path === 'README.md')?.content);
    expect(readme).toContain('@fastify/otel');
    expect(readme).not.toMatch(/express/i);
  });

  it('pins fastify and @fastify/otel, and overrides the @opentelemetry line @fastify/otel declares to the set', () => {
    const set = nodeOtelSet();
    const pkg = packageJson('fastify');
    expect(pkg.dependencies).toMatchObject({ fastify: set.thirdParty.fastify, '@fastify/otel': '0.21.2' });
    expect(pkg.overrides).toEqual({
      '@fastify/otel': { '@opentelemetry/core': set.stable, '@opentelemetry/instrumentation': set.experimental },
    });
  });

  it('writes no overrides for a framework that needs none', () => {
    expect(packageJson('express')).not.toHaveProperty('overrides');
  });

  it('refuses to override a dependency the set does not pin', () => {
    const set = { ...nodeOtelSet(), realigned: { x: { version: '1.0.0', declares: { '@opentelemetry/nope': '^1' } } } };
    expect(() => nodeOverrides(set, ['x'])).toThrow(/does not pin/);
  });
});
