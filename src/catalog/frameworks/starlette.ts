/** Starlette's row of the framework table: its packages, templates, server command and sample. */
import { pin } from '../python-sets.js';
import { existingUvicorn, guideSample, uvicornCommand } from './servers.js';
import type { FrameworkDescriptor } from './types.js';

export const starlette: FrameworkDescriptor = {
  name: 'starlette',
  displayName: 'Starlette',
  hint: 'ASGI, served by uvicorn',
  runtime: 'python',
  templateDir: 'starlette',
  packages: (line) => [
    pin(line, 'starlette'),
    pin(line, 'uvicorn'),
    { name: 'opentelemetry-instrumentation-starlette', version: line.contrib },
  ],
  // starlette.testclient runs on httpx2 (plain httpx still works there, with a deprecation warning).
  testPackages: (line) => [pin(line, 'pytest'), pin(line, 'httpx2')],
  serverCommand: uvicornCommand('app.main:app'),
  // StarletteInstrumentor names the server span "<method> <route.path>" of the matching Route.
  sample: guideSample('/process/{item_id}', 'GET /process/{item_id}'),
  healthPath: '/healthz',
  detectDistributions: ['starlette'],
  existing: {
    constructors: [['starlette.applications', 'Starlette']],
    instrumentor: 'StarletteInstrumentor',
    excludedUrlsEnv: 'OTEL_PYTHON_STARLETTE_EXCLUDED_URLS',
    supported: true,
    serverCommand: existingUvicorn,
  },
};
