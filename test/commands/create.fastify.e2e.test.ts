/**
 * Fastify end to end: the Node suite (test/support/node-suite.ts), plus what is Fastify's own: @fastify/otel
 * installed against the set's @opentelemetry packages (npm overrides), and its spans left out.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { nodeFrameworkSuite } from '../support/node-suite.js';

nodeFrameworkSuite({
  framework: 'fastify',
  displayName: 'Fastify',
  serverSpan: 'GET /process/:itemId',
  extra(dir, run) {
    const lock = JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8'));
    expect(lock.packages['node_modules/@fastify/otel'].version).toBe('0.21.2');
    // @fastify/otel declares the 2.x line; the overrides leave no copy of its own under it.
    expect(Object.keys(lock.packages).filter((p) => p.startsWith('node_modules/@fastify/otel/node_modules/'))).toEqual(
      [],
    );
    // Its "request", hook and handler spans are off: the smoke test saw only the route's two span names.
    expect(run.result.pipeline.smoke.spans.some((s) => s.name === 'request' || s.name.startsWith('handler'))).toBe(
      false,
    );
  },
});
