import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { type RunningView, startView } from '../../src/view/index.js';
import { scratchDir } from '../support/helpers.js';
import { HOSTILE } from './support.js';

const TRACE = '5b8efff798038103d269b633813fc60c';

function tracesBody(name = 'GET /items/{id}'): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: [
              {
                traceId: TRACE,
                spanId: 'eee19b7ec3c1b174',
                name,
                kind: 2,
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000000020000000',
                attributes: [
                  { key: 'http.route', value: { stringValue: '/items/{id}' } },
                  { key: 'big', value: { intValue: '9007199254740993' } },
                ],
              },
            ],
          },
        ],
      },
    ],
  });
}

const logsBody = JSON.stringify({
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
      scopeLogs: [
        {
          scope: { name: 'app' },
          logRecords: [
            { traceId: TRACE, spanId: 'eee19b7ec3c1b174', severityNumber: 9, body: { stringValue: 'loaded' } },
          ],
        },
      ],
    },
  ],
});

function postOtlp(view: RunningView, signal: 'traces' | 'logs', body: string): Promise<Response> {
  return fetch(`${view.receiver.httpEndpoint}/v1/${signal}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
}

/** A GET with exactly these headers (fetch would set Host and Origin itself). */
function get(view: RunningView, pathname: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: view.page.port, path: pathname, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
  });
}

const views: RunningView[] = [];
async function view(options: Parameters<typeof startView>[0] = {}): Promise<RunningView> {
  const v = await startView({ grpcPort: 0, httpPort: 0, pagePort: 0, ...options });
  views.push(v);
  return v;
}
afterEach(async () => {
  await Promise.all(views.splice(0).map((v) => v.close()));
});

describe('the view server', () => {
  it('serves what the receiver took, from any local exporter, as JSON', async () => {
    const v = await view();
    expect((await postOtlp(v, 'traces', tracesBody())).status).toBe(200);
    expect((await postOtlp(v, 'logs', logsBody)).status).toBe(200);
    const list = JSON.parse((await get(v, '/api/traces')).body);
    expect(list.traces).toMatchObject([{ traceId: TRACE, route: '/items/{id}', logCount: 1 }]);
    const one = JSON.parse((await get(v, `/api/traces/${TRACE}`)).body);
    expect(one.spans[0].attributes.big).toBe('9007199254740993');
    expect(one.logs[0].body).toBe('loaded');
    expect((await get(v, '/api/traces/00')).status).toBe(404);
  });

  it('refuses a foreign Host (DNS rebinding) and cross-origin reads, and serves the page under a strict CSP', async () => {
    const v = await view();
    await postOtlp(v, 'traces', tracesBody());
    const rebound = await get(v, '/api/traces', { host: `attacker.example:${v.page.port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain(TRACE);
    const cross = await get(v, '/api/traces', { origin: 'http://attacker.example' });
    expect(cross.status).toBe(403);
    expect((await get(v, '/events', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' })).status).toBe(403);
    const page = await get(v, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('streams an update event when data arrives', async () => {
    const v = await view();
    const events: string[] = [];
    const req = http.get({ host: '127.0.0.1', port: v.page.port, path: '/events' }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => events.push(c));
    });
    try {
      await expect.poll(() => events.join('')).toContain('event: update');
      const before = events.join('').split('event: update').length;
      await postOtlp(v, 'traces', tracesBody());
      await expect.poll(() => events.join('').split('event: update').length).toBeGreaterThan(before);
      expect(events.join('')).toContain('"spans":1');
    } finally {
      req.destroy();
    }
  });

  it('sends values as JSON strings, never as markup', async () => {
    const v = await view();
    await postOtlp(v, 'traces', tracesBody(HOSTILE));
    const res = await get(v, '/api/traces');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.body).traces[0].name).toBe(HOSTILE);
  });
});

describe('--save and --load', () => {
  it('writes what arrives as OTLP/JSON lines that load back the same', async () => {
    const file = path.join(scratchDir('cts-view-'), 'run.jsonl');
    const first = await view({ save: file });
    await postOtlp(first, 'traces', tracesBody());
    await postOtlp(first, 'logs', logsBody);
    const before = JSON.parse((await get(first, `/api/traces/${TRACE}`)).body);
    await first.close();
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);

    const second = await view({ load: file });
    expect(second.loaded).toBe(2);
    const after = JSON.parse((await get(second, `/api/traces/${TRACE}`)).body);
    const strip = (t: { spans: object[]; logs: object[] }) => ({
      spans: t.spans.map((s) => ({ ...s, receivedAtMs: 0, transport: '' })),
      logs: t.logs.map((l) => ({ ...l, receivedAtMs: 0, transport: '' })),
    });
    expect(strip(after)).toEqual(strip(before));
  });

  it('names the line of a file that is not OTLP/JSON, and starts nothing', async () => {
    const file = path.join(scratchDir('cts-view-'), 'bad.jsonl');
    writeFileSync(file, `${tracesBody()}\n{"hello": 1}\n`);
    await expect(view({ load: file })).rejects.toThrow(UsageError);
    await expect(view({ load: file })).rejects.toThrow(/bad\.jsonl:2: not an OTLP\/JSON export request/);
    await expect(view({ load: path.join(path.dirname(file), 'missing.jsonl') })).rejects.toThrow(/cannot read/);
  });

  it('refuses a port in use with the flag that moves it', async () => {
    const v = await view();
    await expect(startView({ grpcPort: 0, httpPort: v.receiver.httpPort, pagePort: 0 })).rejects.toThrow(
      /port .* is in use .*--http-port/,
    );
  });
});
