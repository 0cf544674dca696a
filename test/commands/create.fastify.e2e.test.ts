/**
 * Fastify end to end: the Node suite (test/support/node-suite.ts), plus what is Fastify's own: the route
 * recorded by a hook on every instance, no package of its own, and no span per hook or handler.
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
    expect(lock.packages).not.toHaveProperty('node_modules/@fastify/otel');
    // No "request", hook or handler spans: the smoke test saw only the route's two span names.
    expect(run.result.pipeline.smoke.spans.some((s) => s.name === 'request' || s.name.startsWith('handler'))).toBe(
      false,
    );
  },
});
