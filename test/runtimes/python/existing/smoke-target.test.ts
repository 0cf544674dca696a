import { describe, expect, it } from 'vitest';
import {
  chooseRoute,
  isExcluded,
  routeFromFlag,
  serverCommand,
} from '../../../../src/runtimes/python/existing/install.js';
import { existingTarget } from '../../../../src/runtimes/python/existing/smoke-target.js';
import { DEFAULT_EXCLUDED_URLS } from '../../../../src/options/schema.js';
import type { ReceivedSpan } from '../../../../src/receiver/model.js';
import { runChecks } from '../../../../src/smoke/checks.js';
import type { SmokeExpectation } from '../../../../src/smoke/types.js';

const server = (traceId: string, spanId: string, parent = ''): ReceivedSpan => ({
  traceId,
  spanId,
  parentSpanId: parent,
  traceState: '',
  name: 'GET /items/{item_id}',
  kind: 'SERVER',
  startTimeUnixNano: 1n,
  endTimeUnixNano: 2n,
  attributes: { 'http.method': 'GET', 'http.route': '/items/{item_id}', 'http.status_code': 200 },
  status: { code: 'UNSET', message: '' },
  events: [],
  links: [],
  resource: { 'service.name': 'svc', 'deployment.environment': 'production' },
  scope: { name: 'x', version: '' },
  transport: 'otlp-grpc',
  receivedAtMs: 10,
});

describe('smoke test of an existing app', () => {
  it('the server command keeps {port} for the answers file and passes --factory / --app-dir', () => {
    expect(serverCommand({ module: 'svc.app', attr: 'create_app', factory: true, appDir: 'src' })).toEqual([
      'uvicorn',
      'svc.app:create_app',
      '--factory',
      '--app-dir',
      'src',
      '--host',
      '127.0.0.1',
      '--port',
      '{port}',
    ]);
    const target = existingTarget(
      { serverCommand: ['uvicorn', 'm:app', '--port', '{port}'] },
      { template: '/items/{item_id}', path: '/items/1' },
    );
    expect(target.serverCommand!(4321)).toEqual(['uvicorn', 'm:app', '--port', '4321']);
    expect(target.expectation).toMatchObject({
      serverSpanName: 'GET /items/{item_id}',
      expectChild: false,
      spansPerRequest: 1,
      spansPerRequestMode: 'atLeast',
    });
  });

  it('without a manual child span, the checks pass on the server spans alone; extra spans of the app are fine', () => {
    const inbound = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) };
    const expectation: SmokeExpectation = {
      serviceName: 'svc',
      environment: 'production',
      serverSpanName: 'GET /items/{item_id}',
      route: '/items/{item_id}',
      childSpanName: 'process_item_logic',
      childAttributes: {},
      spansPerRequest: 1,
      excludedPaths: ['/healthz'],
      scheduleDelayMillis: 5000,
      ...existingTarget({ serverCommand: [] }, { template: '/items/{item_id}', path: '/items/1' }).expectation,
    };
    const own = {
      ...server('1'.repeat(32), '5'.repeat(16), '3'.repeat(16)),
      name: 'db query',
      kind: 'CLIENT' as const,
    };
    const checks = runChecks({
      expectation,
      spans: [server('1'.repeat(32), '3'.repeat(16)), own, server(inbound.traceId, '4'.repeat(16), inbound.spanId)],
      requests: [
        { purpose: 'sample', path: '/items/1', status: 200, durationMs: 5 },
        { purpose: 'traceparent', path: '/items/1', status: 200, durationMs: 5, inbound },
        { purpose: 'excluded', path: '/healthz', status: 404, durationMs: 1 },
      ],
      shutdown: { exitCode: 0, signal: null, killed: false, sigtermAtMs: 0, exitAfterMs: 50 },
      spansReadAfterExit: false,
    });
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.name)).not.toContain('child span');
    expect(checks.find((c) => c.name === 'spans per request')!.detail).toMatch(
      /2 span\(s\) in the sample trace \(expected at least 1\)/,
    );
  });

  it('picks a route: no excluded ones, fewest path parameters first', () => {
    const routes = [
      { template: '/healthz', path: '/healthz', pathParams: 0 },
      { template: '/items/{id}', path: '/items/1', pathParams: 1 },
      { template: '/items', path: '/items', pathParams: 0 },
    ];
    expect(chooseRoute(routes, DEFAULT_EXCLUDED_URLS)).toEqual({ template: '/items', path: '/items' });
    expect(chooseRoute(routes.slice(0, 1), DEFAULT_EXCLUDED_URLS)).toBeUndefined();
    expect(isExcluded('/docs/oauth2-redirect', DEFAULT_EXCLUDED_URLS)).toBe(true);
    expect(routeFromFlag('/items/{id}')).toEqual({ template: '/items/{id}', path: '/items/1' });
    expect(routeFromFlag('/items/42', routes)).toEqual({ template: '/items/{id}', path: '/items/42' });
    expect(routeFromFlag('/other', routes)).toEqual({ template: '/other', path: '/other' });
  });

  it('the expectation is what the installed instrumentation emits for the route, when it says so', () => {
    const start = { serverCommand: ['python', 'manage.py', 'runserver', '127.0.0.1:{port}'] };
    // Django's root route `path('', views.index, name='index')`: named after the view's name, no http.route.
    const root = existingTarget(start, { template: '/', path: '/' }, 'django', {}, { name: 'GET index', route: null });
    expect(root.expectation).toMatchObject({ requestPath: '/', serverSpanName: 'GET index', route: null });
    // A route inside an app mounted at /api/v1: named after the mount.
    const mounted = existingTarget(
      start,
      { template: '/api/v1/info', path: '/api/v1/info' },
      'fastapi',
      {},
      { name: 'GET /api/v1', route: '/api/v1' },
    );
    expect(mounted.expectation).toMatchObject({ serverSpanName: 'GET /api/v1', route: '/api/v1' });
    // Nothing said (Flask, or the app did not import): the route template, as the framework names it.
    expect(existingTarget(start, { template: '/books/', path: '/books/' }, 'django').expectation).toMatchObject({
      serverSpanName: 'GET books/',
      route: 'books/',
    });
  });
});
