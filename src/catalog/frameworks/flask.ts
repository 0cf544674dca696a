/** Flask's row of the framework table: its packages, templates, server command and sample. */
import { pin } from '../python-sets.js';
import { existingGunicorn, guideSample, gunicornCommand } from './servers.js';
import type { FrameworkDescriptor } from './types.js';

export const flask: FrameworkDescriptor = {
  name: 'flask',
  displayName: 'Flask',
  hint: 'WSGI, served by gunicorn',
  runtime: 'python',
  templateDir: 'flask',
  packages: (line) => [
    pin(line, 'flask'),
    pin(line, 'gunicorn'),
    { name: 'opentelemetry-instrumentation-flask', version: line.contrib },
  ],
  testPackages: (line) => [pin(line, 'pytest')],
  serverCommand: gunicornCommand('app.main:app'),
  // Flask's url rule as written; FlaskInstrumentor names the server span "<method> <rule>", with or
  // without OTEL_SEMCONV_STABILITY_OPT_IN.
  sample: guideSample('/process/<item_id>', 'GET /process/<item_id>'),
  healthPath: '/healthz',
  // gunicorn forks its workers; each must build its own provider and flush it in worker_exit.
  multiWorker: { workers: 2, requests: 20 },
  copyPaths: ['gunicorn.conf.py'],
  dockerNotes: {
    flushOnStop: 'each gunicorn worker runs its worker_exit hook (gunicorn.conf.py)',
    setupFiles: 'app/telemetry.py, app/main.py and gunicorn.conf.py',
  },
  detectDistributions: ['flask'],
  existing: {
    constructors: [
      ['flask', 'Flask'],
      ['flask.app', 'Flask'],
      // Flask subclasses that libraries export (an app built from one is a Flask app to instrument).
      ['flask_openapi3', 'OpenAPI'],
      ['apiflask', 'APIFlask'],
    ],
    instrumentor: 'FlaskInstrumentor',
    excludedUrlsEnv: 'OTEL_PYTHON_FLASK_EXCLUDED_URLS',
    supported: true,
    // gunicorn when the project uses it; else Flask's development server (which flushes on SIGTERM).
    serverCommand: (serve, { gunicornConfig }) =>
      gunicornConfig
        ? existingGunicorn(serve, gunicornConfig)
        : [
            'flask',
            '--app',
            `${flaskImportPath(serve)}:${serve.attr}${serve.factory ? '()' : ''}`,
            'run',
            '--host',
            '127.0.0.1',
            '--port',
            '{port}',
          ],
  },
};

/**
 * The module `flask --app` loads: from another directory by its file (Flask puts the first directory above
 * its packages on sys.path), else by its name.
 */
function flaskImportPath(serve: { module: string; appDir: string }): string {
  return serve.appDir ? `${serve.appDir}/${serve.module.split('.').join('/')}.py` : serve.module;
}
