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
    expect(readme).toContain('fastify.initialization');
    expect(readme).not.toMatch(/express/i);
    const instrumentations = String(files('fastify').find((f) => f.path === 'src/instrumentations.ts')?.content);
    expect(instrumentations).toContain("subscribe('fastify.initialization', hookEveryInstance)");
    expect(instrumentations).not.toContain('@fastify/otel');
  });

  it('pins fastify and the set, with nothing to override: the route hook needs no package of its own', () => {
    const set = nodeOtelSet();
    const pkg = packageJson('fastify');
    expect(pkg.dependencies).toMatchObject({ fastify: set.thirdParty.fastify, '@opentelemetry/core': set.stable });
    expect(pkg.dependencies).not.toHaveProperty('@fastify/otel');
    expect(pkg).not.toHaveProperty('overrides');
  });

  it('overrides what a realigned package declares to the set', () => {
    const set = nodeOtelSet();
    expect(nodeOverrides(set, ['@fastify/otel'])).toEqual({
      '@fastify/otel': { '@opentelemetry/core': set.stable, '@opentelemetry/instrumentation': set.experimental },
    });
  });

  it('refuses to override a dependency the set does not pin', () => {
    const set = { ...nodeOtelSet(), realigned: { x: { version: '1.0.0', declares: { '@opentelemetry/nope': '^1' } } } };
    expect(() => nodeOverrides(set, ['x'])).toThrow(/does not pin/);
  });
});
