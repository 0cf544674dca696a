/** Django's row of the framework table: its packages, templates, server command and sample. */
import { pin } from '../python-sets.js';
import { existingGunicorn, existingUvicorn, guideSample, gunicornCommand } from './servers.js';
import type { FrameworkDescriptor } from './types.js';

export const django: FrameworkDescriptor = {
  name: 'django',
  displayName: 'Django',
  hint: 'WSGI, served by gunicorn (ASGI entry point for uvicorn included)',
  runtime: 'python',
  templateDir: 'django',
  packages: (line) => [
    pin(line, 'django'),
    pin(line, 'gunicorn'),
    // config/asgi.py is served by uvicorn; DjangoInstrumentor traces ASGI requests only when
    // opentelemetry-instrumentation-asgi is installed, and silently skips them otherwise.
    pin(line, 'uvicorn'),
    { name: 'opentelemetry-instrumentation-django', version: line.contrib },
    { name: 'opentelemetry-instrumentation-asgi', version: line.contrib },
    // SQLite client spans through dbapi.wrap_connect (what SQLite3Instrumentor does): the sqlite3
    // instrumentation itself is not released for every contrib patch (none for 0.66b2).
    { name: 'opentelemetry-instrumentation-dbapi', version: line.contrib },
  ],
  testPackages: (line) => [pin(line, 'pytest')],
  serverCommand: gunicornCommand('config.wsgi:application'),
  // Django's route template as written in urlpatterns, without a leading slash; DjangoInstrumentor
  // names the server span "<method> <route>" with or without OTEL_SEMCONV_STABILITY_OPT_IN.
  sample: guideSample('process/<str:item_id>', 'GET process/<str:item_id>'),
  healthPath: '/healthz',
  // gunicorn forks its workers; each must build its own provider and flush it in worker_exit.
  multiWorker: { workers: 2, requests: 20 },
  copyPaths: ['config', 'gunicorn.conf.py', 'manage.py'],
  pythonPackages: ['config'],
  writableDirs: ['var'],
  dockerNotes: {
    flushOnStop: 'each gunicorn worker runs its worker_exit hook',
    setupFiles: 'app/telemetry.py and config/otel.py',
  },
  detectDistributions: ['django'],
  existing: {
    // The WSGI/ASGI entry points build the handler: that is where Django is instrumented (before).
    constructors: [
      ['django.core.wsgi', 'get_wsgi_application'],
      ['django.core.asgi', 'get_asgi_application'],
    ],
    instrumentor: 'DjangoInstrumentor',
    excludedUrlsEnv: 'OTEL_PYTHON_DJANGO_EXCLUDED_URLS',
    // From Django's release notes ("Python compatibility"); 5.2 and later run on every Python here.
    newestPython: [
      ['3.2', '3.10'],
      ['4.0', '3.10'],
      ['4.1', '3.11'],
      ['4.2', '3.12'],
      ['5.0', '3.12'],
      ['5.1', '3.13'],
    ],
    supported: true,
    // gunicorn when the project uses it; uvicorn for an ASGI module; else runserver (flushes on SIGTERM).
    serverCommand: (serve, { gunicornConfig }) =>
      gunicornConfig
        ? existingGunicorn(serve, gunicornConfig)
        : serve.module.endsWith('asgi')
          ? existingUvicorn(serve)
          : ['python', 'manage.py', 'runserver', '--noreload', '127.0.0.1:{port}'],
    // DjangoInstrumentor names the span after the URL pattern as written in urlpatterns: no leading slash.
    spanRoute: (template) => template.replace(/^\//, ''),
  },
};
