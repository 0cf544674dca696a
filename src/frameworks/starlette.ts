import { pin } from '../versions.js';
import type { FrameworkDescriptor } from './types.js';

export const starlette: FrameworkDescriptor = {
  name: 'starlette',
  displayName: 'Starlette',
  hint: 'ASGI, served by uvicorn',
  templateDir: 'starlette',
  packages: (line) => [
    pin(line, 'starlette'),
    pin(line, 'uvicorn'),
    { name: 'opentelemetry-instrumentation-starlette', version: line.contrib },
  ],
  // starlette.testclient runs on httpx2 (plain httpx still works there, with a deprecation warning).
  testPackages: (line) => [pin(line, 'pytest'), pin(line, 'httpx2')],
  serverCommand: ({ host, port, workers }) => [
    'uvicorn',
    'app.main:app',
    '--host',
    host,
    '--port',
    String(port),
    ...(workers && workers > 1 ? ['--workers', String(workers)] : []),
  ],
  sample: {
    requestPath: '/process/12345',
    route: '/process/{item_id}',
    // StarletteInstrumentor names the server span "<method> <route.path>" of the matching Route.
    serverSpanName: 'GET /process/{item_id}',
    childSpanName: 'process_item_logic',
    childAttributes: { 'item.id': '12345', 'processing.status': 'completed' },
    spansPerRequest: 2,
  },
  healthPath: '/healthz',
  // uvicorn --workers starts each worker as a fresh interpreter (spawn), which imports the app itself.
  multiWorker: { workers: 2, requests: 20 },
  detectDistributions: ['starlette'],
};
