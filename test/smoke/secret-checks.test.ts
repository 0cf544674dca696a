import { describe, expect, it } from 'vitest';
import type { ReceivedLog, ReceivedMetricPoint, ReceivedSpan } from '../../src/receiver/model.js';
import { runChecks } from '../../src/smoke/checks.js';
import { secretHeaders, secretsCheck, withSecretQuery } from '../../src/smoke/secret-checks.js';
import type { SentRequest, SmokeExpectation } from '../../src/smoke/types.js';

const SECRET = 'f00dfeedc0ffee1234567890';
const expectation: SmokeExpectation = {
  serviceName: 'svc',
  environment: 'production',
  serverSpanName: 'GET /items/{id}',
  route: '/items/{id}',
  childSpanName: 'work',
  childAttributes: {},
  spansPerRequest: 1,
  excludedPaths: [],
  scheduleDelayMillis: 5000,
  expectChild: false,
};
const sample: SentRequest = { purpose: 'sample', path: '/items/1', status: 200, durationMs: 5, secret: SECRET };

function span(attributes: ReceivedSpan['attributes']): ReceivedSpan {
  return {
    traceId: '1'.repeat(32),
    spanId: '2'.repeat(16),
    parentSpanId: '',
    traceState: '',
    name: 'GET /items/{id}',
    kind: 'SERVER',
    startTimeUnixNano: 1n,
    endTimeUnixNano: 2n,
    attributes,
    status: { code: 'UNSET', message: '' },
    events: [],
    links: [],
    resource: { 'service.name': 'svc' },
    scope: { name: 't', version: '' },
    transport: 'otlp-grpc',
    receivedAtMs: 0,
  };
}

const check = (spans: ReceivedSpan[], logs: ReceivedLog[] = [], metrics: ReceivedMetricPoint[] = []) =>
  secretsCheck({
    expectation,
    spans,
    logs,
    metrics,
    requests: [sample],
    shutdown: { exitCode: 0, signal: null, killed: false, sigtermAtMs: 0 },
    spansReadAfterExit: false,
    servers: [],
  });

describe('the secret check', () => {
  it('sends the secret as a bearer token, a cookie and two query parameters', () => {
    expect(secretHeaders(SECRET)).toEqual({ authorization: `Bearer ${SECRET}`, cookie: `session=${SECRET}` });
    expect(withSecretQuery('/items/1', SECRET)).toBe(`/items/1?token=${SECRET}&api_key=${SECRET}`);
    expect(withSecretQuery('/items/1?q=a', SECRET)).toBe(`/items/1?q=a&token=${SECRET}&api_key=${SECRET}`);
  });

  it('passes when only redacted values arrive', () => {
    const result = check([span({ 'url.query': 'token=REDACTED&api_key=REDACTED', 'url.path': '/items/1' })]);
    expect(result).toMatchObject({ name: 'no secret in the telemetry', ok: true });
  });

  it('names the span attribute, log record and metric that carry the secret', () => {
    const log = { body: `GET /items/1?token=${SECRET}`, attributes: {} } as unknown as ReceivedLog;
    const metric = { name: 'm', attributes: { 'http.request.header.cookie': [`session=${SECRET}`] } };
    const result = check(
      [span({ 'url.query': `token=${SECRET}&api_key=${SECRET}` })],
      [log],
      [metric as unknown as ReceivedMetricPoint],
    );
    expect(result?.ok).toBe(false);
    expect(result?.detail).toContain('span "GET /items/{id}" attribute url.query');
    expect(result?.detail).toContain('log record body');
    expect(result?.detail).toContain('metric m attribute http.request.header.cookie');
    expect(result?.detail).not.toContain(SECRET);
  });

  it('is part of every run that sent a secret', () => {
    const names = runChecks({
      expectation,
      spans: [
        span({
          'http.route': '/items/{id}',
          'http.request.method': 'GET',
          'http.response.status_code': 200,
          'x.auth': `Bearer ${SECRET}`,
        }),
      ],
      requests: [sample],
      shutdown: { exitCode: 0, signal: null, killed: false, sigtermAtMs: 0 },
      spansReadAfterExit: false,
    });
    expect(names.find((c) => c.name === 'no secret in the telemetry')?.ok).toBe(false);
  });
});
