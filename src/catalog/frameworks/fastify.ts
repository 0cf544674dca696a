/** Fastify's row of the framework table: its packages, templates, start command and sample. */
import { guideSample, nodeCommand } from './servers.js';
import type { NodeFrameworkDescriptor } from './types.js';

export const fastify: NodeFrameworkDescriptor = {
  name: 'fastify',
  displayName: 'Fastify',
  hint: 'Node.js (TypeScript, ESM), @fastify/otel, the SDK started with node --import',
  runtime: 'node',
  templateDir: 'fastify',
  examplesDir: 'examples/node',
  packages: ['fastify', '@fastify/otel'],
  devPackages: [],
  serverCommand: nodeCommand('dist/server.js'),
  // Fastify's route as written in app.get(); @fastify/otel records it and the HTTP instrumentation renames
  // the server span "<method> <route>", while @fastify/otel's own spans are off.
  sample: guideSample('/process/:itemId', 'GET /process/:itemId'),
  healthPath: '/healthz',
};
