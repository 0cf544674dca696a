import { pin } from '../versions.js';
import type { FrameworkDescriptor } from './types.js';

export const fastapi: FrameworkDescriptor = {
  name: 'fastapi',
  displayName: 'FastAPI',
  hint: 'ASGI, served by uvicorn',
  templateDir: 'fastapi',
  packages: (line) => [
    pin(line, 'fastapi'),
    pin(line, 'uvicorn'),
    { name: 'opentelemetry-instrumentation-fastapi', version: line.contrib },
  ],
  testPackages: (line) => [pin(line, 'pytest'), pin(line, 'httpx')],
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
    serverSpanName: 'GET /process/{item_id}',
    childSpanName: 'process_item_logic',
    childAttributes: { 'item.id': '12345', 'processing.status': 'completed' },
    spansPerRequest: 2,
  },
  healthPath: '/healthz',
  detectDistributions: ['fastapi'],
};
