/** Express's row of the framework table: its packages, templates, start command and sample. */
import { guideSample, nodeCommand } from './servers.js';
import type { NodeFrameworkDescriptor } from './types.js';

export const express: NodeFrameworkDescriptor = {
  name: 'express',
  displayName: 'Express',
  hint: 'Node.js (TypeScript, ESM), the SDK started with node --import',
  runtime: 'node',
  templateDir: 'express',
  examplesDir: 'examples/node',
  packages: ['express', '@opentelemetry/instrumentation-express'],
  devPackages: ['@types/express'],
  serverCommand: nodeCommand('dist/server.js'),
  // Express's route as written in app.get(); the HTTP instrumentation renames the server span
  // "<method> <route>" from the route the Express instrumentation records, whose own spans are off.
  sample: guideSample('/process/:itemId', 'GET /process/:itemId'),
  healthPath: '/healthz',
};
