/** Server command lines and sample expectations the framework descriptors share. */
import type { ExistingServe, SampleExpectation, ServerCommandOptions } from './types.js';

const workersFlag = (workers: number | undefined) => (workers && workers > 1 ? ['--workers', String(workers)] : []);

/** uvicorn serving an ASGI app; `--workers` starts fresh interpreters (spawn) that import the app themselves. */
export const uvicornCommand =
  (app: string) =>
  ({ host, port, workers }: ServerCommandOptions): string[] => [
    'uvicorn',
    app,
    '--host',
    host,
    '--port',
    String(port),
    ...workersFlag(workers),
  ];

/**
 * gunicorn with the generated gunicorn.conf.py, which never preloads the app (each worker builds its own
 * provider after the fork) and flushes in worker_exit. Without --workers it reads WEB_CONCURRENCY (default 1).
 */
export const gunicornCommand =
  (app: string) =>
  ({ host, port, workers }: ServerCommandOptions): string[] => [
    'gunicorn',
    '--config',
    'gunicorn.conf.py',
    '--bind',
    `${host}:${port}`,
    ...workersFlag(workers),
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
 * an instrumentation only patches modules loaded after it is registered.
 */
export const nodeCommand =
  (entry: string) =>
  ({ host, port }: ServerCommandOptions): string[] => [
    'node',
    '--import',
    './dist/telemetry.js',
    entry,
    '--host',
    host,
    '--port',
    String(port),
  ];
