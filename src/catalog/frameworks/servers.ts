/** Server command lines and sample expectations the framework descriptors share. */
import type { ExistingServe, SampleExpectation, ServerCommandOptions } from './types.js';

const workersFlag = (workers: number | undefined) => (workers && workers > 1 ? ['--workers', String(workers)] : []);

/**
 * uvicorn serving an ASGI app; `--workers` starts fresh interpreters (spawn) that import the app themselves.
 * `--reload` runs it in a child process that imports the app (and builds its provider) anew after each
 * change; on SIGTERM the reloader stops the child and waits for it, so its lifespan shutdown still flushes.
 * Only the app's package is watched: without watchfiles uvicorn polls every file below the watched folder,
 * and the project's folder holds the venv.
 */
export const uvicornCommand =
  (app: string) =>
  ({ host, port, workers, reload }: ServerCommandOptions): string[] => [
    'uvicorn',
    app,
    '--host',
    host,
    '--port',
    String(port),
    ...workersFlag(workers),
    ...(reload ? ['--reload', '--reload-dir', app.split('.')[0] ?? '.'] : []),
  ];

/**
 * gunicorn with the generated gunicorn.conf.py, which never preloads the app (each worker builds its own
 * provider after the fork) and flushes in worker_exit. Without --workers it reads WEB_CONCURRENCY (default 1).
 * With `--reload` a worker whose loaded modules changed exits (running worker_exit, so it flushes) and the
 * master starts a fresh one, which imports the app and builds its provider again.
 */
export const gunicornCommand =
  (app: string) =>
  ({ host, port, workers, reload }: ServerCommandOptions): string[] => [
    'gunicorn',
    '--config',
    'gunicorn.conf.py',
    '--bind',
    `${host}:${port}`,
    ...workersFlag(workers),
    ...(reload ? ['--reload'] : []),
    app,
  ];

/** uvicorn serving an existing project's ASGI app (`--factory` for a factory, `--app-dir` for a src layout). */
export function existingUvicorn(serve: ExistingServe): string[] {
  return [
    'uvicorn',
    `${serve.module}:${serve.attr}`,
    ...(serve.factory ? ['--factory'] : []),
    ...(serve.appDir ? ['--app-dir', serve.appDir] : []),
    '--host',
    '127.0.0.1',
    '--port',
    '{port}',
  ];
}

/** gunicorn with the project's config (holding add-tracing's hooks) serving an existing WSGI app. */
export function existingGunicorn(serve: ExistingServe, config: string): string[] {
  return [
    'gunicorn',
    '--config',
    config,
    '--bind',
    '127.0.0.1:{port}',
    ...(serve.appDir ? ['--chdir', serve.appDir] : []),
    `${serve.module}:${serve.attr}${serve.factory ? '()' : ''}`,
  ];
}

/** The guide's sample: GET /process/12345 yields the server span and its manual child, nothing else. */
export function guideSample(route: string, serverSpanName: string): SampleExpectation {
  return {
    requestPath: '/process/12345',
    route,
    serverSpanName,
    childSpanName: 'process_item_logic',
    childAttributes: { 'item.id': '12345', 'processing.status': 'completed' },
    spansPerRequest: 2,
  };
}

/**
 * Node with the telemetry bootstrap loaded by --import, before the entry module and anything it imports:
 * an instrumentation only patches modules loaded after it is registered. `--watch` runs it in a child that
 * is restarted when a module it loaded changes (the build in watch mode rewrites dist/); on SIGTERM the
 * watcher passes the signal on and waits, so the child's shutdown still flushes. Its output is kept
 * (Node clears the terminal on each restart otherwise, and with it the page's address).
 */
export const nodeCommand =
  (entry: string) =>
  ({ host, port, reload }: ServerCommandOptions): string[] => [
    'node',
    ...(reload ? ['--watch', '--watch-preserve-output'] : []),
    '--import',
    './dist/telemetry.js',
    entry,
    '--host',
    host,
    '--port',
    String(port),
  ];
