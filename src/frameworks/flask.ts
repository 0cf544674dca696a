import { pin } from '../versions.js';
import type { FrameworkDescriptor } from './types.js';

export const flask: FrameworkDescriptor = {
  name: 'flask',
  displayName: 'Flask',
  hint: 'WSGI, served by gunicorn',
  templateDir: 'flask',
  packages: (line) => [
    pin(line, 'flask'),
    pin(line, 'gunicorn'),
    { name: 'opentelemetry-instrumentation-flask', version: line.contrib },
  ],
  testPackages: (line) => [pin(line, 'pytest')],
  // Without --workers gunicorn reads WEB_CONCURRENCY (default 1). gunicorn.conf.py never preloads the
  // app, so every worker builds its own provider after the fork, and flushes it in worker_exit.
  serverCommand: ({ host, port, workers }) => [
    'gunicorn',
    '--config',
    'gunicorn.conf.py',
    '--bind',
    `${host}:${port}`,
    ...(workers && workers > 1 ? ['--workers', String(workers)] : []),
    'app.main:app',
  ],
  sample: {
    requestPath: '/process/12345',
    // Flask's url rule as written; FlaskInstrumentor names the server span "<method> <rule>", with or
    // without OTEL_SEMCONV_STABILITY_OPT_IN.
    route: '/process/<item_id>',
    serverSpanName: 'GET /process/<item_id>',
    childSpanName: 'process_item_logic',
    childAttributes: { 'item.id': '12345', 'processing.status': 'completed' },
    spansPerRequest: 2,
  },
  healthPath: '/healthz',
  // gunicorn forks its workers; each must build its own provider and flush it in worker_exit.
  multiWorker: { workers: 2, requests: 20 },
  copyPaths: ['gunicorn.conf.py'],
  dockerNotes: {
    flushOnStop: 'each gunicorn worker runs its worker_exit hook (gunicorn.conf.py)',
    setupFiles: 'app/telemetry.py, app/main.py and gunicorn.conf.py',
  },
  detectDistributions: ['flask'],
};
