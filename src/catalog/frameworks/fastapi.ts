/** FastAPI's row of the framework table: its packages, templates, server command and sample. */
import { fastapiTracesItself, pin } from '../python-sets.js';
import { existingUvicorn, guideSample, uvicornCommand } from './servers.js';
import type { FrameworkDescriptor } from './types.js';

export const fastapi: FrameworkDescriptor = {
  name: 'fastapi',
  displayName: 'FastAPI',
  hint: 'ASGI, served by uvicorn',
  runtime: 'python',
  templateDir: 'fastapi',
  examplesDir: 'examples/fastapi',
  // FastAPI 0.142 and later trace themselves: the contrib instrumentation only for an older pinned FastAPI.
  packages: (line) => [
    pin(line, 'fastapi'),
    pin(line, 'uvicorn'),
    ...(fastapiTracesItself(line) ? [] : [{ name: 'opentelemetry-instrumentation-fastapi', version: line.contrib }]),
  ],
  testPackages: (line) => [pin(line, 'pytest'), pin(line, 'httpx')],
  serverCommand: uvicornCommand('app.main:app'),
  sample: guideSample('/process/{item_id}', 'GET /process/{item_id}'),
  healthPath: '/healthz',
  detectDistributions: ['fastapi'],
  existing: {
    constructors: [
      ['fastapi', 'FastAPI'],
      ['fastapi.applications', 'FastAPI'],
    ],
    instrumentor: 'FastAPIInstrumentor',
    // FastAPI's own instrumentation (FastAPI >= 0.142, see wiring-versions.ts) needs no contrib package.
    wiringPackages: (line, wiring) =>
      wiring?.nativeTelemetry ? [] : [{ name: 'opentelemetry-instrumentation-fastapi', version: line.contrib }],
    excludedUrlsEnv: 'OTEL_PYTHON_FASTAPI_EXCLUDED_URLS',
    supported: true,
    serverCommand: existingUvicorn,
  },
};
