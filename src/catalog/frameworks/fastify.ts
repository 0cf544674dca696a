/** Fastify's row of the framework table: its packages, templates, start command and sample. */
import { guideSample, nodeCommand } from './servers.js';
import type { NodeFrameworkDescriptor } from './types.js';

export const fastify: NodeFrameworkDescriptor = {
  name: 'fastify',
  displayName: 'Fastify',
  hint: 'Node.js (TypeScript, ESM), the SDK started with node --import',
  runtime: 'node',
  templateDir: 'fastify',
  examplesDir: 'examples/node',
  packages: ['fastify'],
  devPackages: [],
  serverCommand: nodeCommand('dist/server.js'),
  // Fastify's route as written in app.get(): an onRequest hook added to every instance as it is created
  // (src/instrumentations.ts) records it, and the HTTP instrumentation names the server span "<method> <route>".
  sample: guideSample('/process/:itemId', 'GET /process/:itemId'),
  healthPath: '/healthz',
};
