// The README's screenshots of the live view (docs/view-*.png): invented telemetry of a small shop replayed
// with `view --load`, shot in headless Chromium. Usage: npm run build && node scripts/view-screenshots.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const MS = 1_000_000n;
const NOW = BigInt(Date.now()) * MS;
const LEGACY_TRACE = '0af7651916cd43dd8448eb211c80319c';

const kv = (key, value) => ({
  key,
  value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
});
const resource = (service, language) => ({
  attributes: [kv('service.name', service), kv('telemetry.sdk.language', language), kv('service.version', '1.4.2')],
});
const hex = (n, bytes) => n.toString(16).padStart(bytes * 2, '0');
let nextId = 1;

/** One span; times in ms relative to its trace's start. */
function span(traceId, parent, name, kind, fromMs, toMs, startNs, attrs = {}, error = false) {
  const spanId = hex(0xa1b2c3d4e5f60000n + BigInt(nextId++), 8);
  return {
    traceId,
    spanId,
    parentSpanId: parent,
    name,
    kind,
    startTimeUnixNano: String(startNs + BigInt(Math.round(fromMs * 1000)) * 1000n),
    endTimeUnixNano: String(startNs + BigInt(Math.round(toMs * 1000)) * 1000n),
    attributes: Object.entries(attrs).map(([k, v]) => kv(k, v)),
    status: error ? { code: 2, message: 'IntegrityError: duplicate key value' } : {},
  };
}

/** A request to the shop (FastAPI): server span, a query, sometimes a call out, a log record. */
const shopTrace = (i) => hex(0x4bf92f3577b34da6n + BigInt(i), 8) + hex(0xa3ce929d0e0e4736n + BigInt(i), 8);

function shopRequest(i, atNs) {
  const traceId = shopTrace(i);
  const failing = i === 3;
  const route = failing ? '/orders' : '/items/{item_id}';
  const method = failing ? 'POST' : 'GET';
  const total = failing ? 84 : 22 + ((i * 7) % 30);
  const status = failing ? 500 : 200;
  const server = span(traceId, '', `${method} ${route}`, 2, 0, total, atNs, {
    'http.route': route,
    'http.request.method': method,
    'http.response.status_code': status,
    'url.path': failing ? '/orders' : `/items/${100 + i}`,
  });
  const spans = [server];
  spans.push(
    span(
      traceId,
      server.spanId,
      failing ? 'INSERT shop' : 'SELECT shop',
      3,
      2,
      total - 6,
      atNs,
      {
        'db.system.name': 'postgresql',
        'db.query.text': failing
          ? 'INSERT INTO orders (id, item_id) VALUES ($1, $2)'
          : 'SELECT * FROM items WHERE id = $1',
      },
      failing,
    ),
  );
  if (i % 2 === 0)
    spans.push(
      span(traceId, server.spanId, 'GET', 3, total - 5, total - 1, atNs, { 'server.address': 'prices.internal' }),
    );
  const log = {
    traceId,
    spanId: server.spanId,
    timeUnixNano: String(atNs + 3n * MS),
    severityNumber: failing ? 17 : 9,
    severityText: failing ? 'ERROR' : 'INFO',
    body: { stringValue: failing ? 'order rejected: item 103 already ordered' : `item ${100 + i} served from cache` },
  };
  if (failing) server.status = { code: 2, message: '' };
  return { spans, log };
}

function telemetry() {
  const shop = [];
  const logs = [];
  for (let i = 0; i < 8; i++) {
    const { spans, log } = shopRequest(i, NOW - BigInt((8 - i) * 1500) * MS);
    shop.push(...spans);
    logs.push(log);
  }
  // What the hints are about: a probe traced, and a Node service whose framework is not instrumented.
  const probe = hex(0x77, 16);
  shop.push(
    span(probe, '', 'GET /healthz', 2, 0, 0.4, NOW - 900n * MS, {
      'http.route': '/healthz',
      'http.response.status_code': 200,
    }),
  );
  const legacy = LEGACY_TRACE;
  const billing = [
    span(legacy, '', 'GET /invoices/88123', 2, 0, 41, NOW - 400n * MS, {
      'url.path': '/invoices/88123',
      'http.response.status_code': 200,
    }),
  ];
  billing.push(span(legacy, billing[0].spanId, 'pg.query:SELECT', 3, 3, 35, NOW - 400n * MS));
  const scope = { name: 'opentelemetry.instrumentation' };
  const lines = [
    {
      resourceSpans: [
        { resource: resource('shop', 'python'), scopeSpans: [{ scope, spans: shop }] },
        { resource: resource('billing', 'nodejs'), scopeSpans: [{ scope, spans: billing }] },
      ],
    },
    {
      resourceLogs: [
        { resource: resource('shop', 'python'), scopeLogs: [{ scope: { name: 'app' }, logRecords: logs }] },
        {
          resource: resource('billing', 'nodejs'),
          scopeLogs: [
            {
              scope: { name: 'app' },
              logRecords: [
                {
                  timeUnixNano: String(NOW - 380n * MS),
                  severityNumber: 9,
                  body: { stringValue: 'invoice 88123 rendered' },
                },
              ],
            },
          ],
        },
      ],
    },
    {
      resourceMetrics: [
        {
          resource: resource('shop', 'python'),
          scopeMetrics: [
            {
              scope,
              metrics: [
                histogram('/items/{item_id}', 'GET', 200, 412, [240, 150, 20, 2]),
                histogram('/orders', 'POST', 500, 9, [0, 3, 5, 1]),
              ],
            },
          ],
        },
      ],
    },
  ];
  return `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
}

/** A cumulative http.server.request.duration point over the service's last two minutes. */
function histogram(route, method, status, count, buckets) {
  const point = {
    attributes: [kv('http.route', route), kv('http.request.method', method), kv('http.response.status_code', status)],
    startTimeUnixNano: String(NOW - 120_000n * MS),
    timeUnixNano: String(NOW),
    count: String(count),
    bucketCounts: [...buckets.map(String), '0'],
    explicitBounds: [0.025, 0.05, 0.1, 0.25],
  };
  return {
    name: 'http.server.request.duration',
    unit: 's',
    histogram: { dataPoints: [point], aggregationTemporality: 2 },
  };
}

async function startView(file) {
  const bin = path.join(ROOT, 'bin', 'create-traced-service.js');
  const child = spawn(
    process.execPath,
    [bin, 'view', '--load', file, '--port', '0', '--grpc-port', '0', '--http-port', '0'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stderr.on('data', (chunk) => {
    out += chunk;
  });
  let out = '';
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const found = /http:\/\/127\.0\.0\.1:\d+\//.exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
      if (found) resolve(found[0]);
    });
    child.once('exit', (code) => reject(new Error(`view exited with ${code}: ${out}`)));
  });
  return { url, stop: () => child.kill('SIGINT') };
}

const dir = mkdtempSync(path.join(tmpdir(), 'cts-shots-'));
const file = path.join(dir, 'shop.jsonl');
writeFileSync(file, telemetry());
const view = await startView(file);
const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 560 });
  const shoot = (name) => page.screenshot({ path: path.join(ROOT, 'docs', name) });
  await page.goto(view.url);
  await page.waitForSelector('[data-testid=routes]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-row]').length === 10);
  await shoot('view-list.png');
  await page.goto(`${view.url}#/trace/${shopTrace(3)}`);
  await page.waitForSelector('[data-testid=log-row]');
  await page.click('[data-testid=span-row]');
  await page.waitForSelector('[data-testid=span-details]');
  await shoot('view-trace.png');
  await page.goto(`${view.url}#/trace/${LEGACY_TRACE}`);
  await page.waitForSelector('[data-testid=hint]');
  await shoot('view-hints.png');
} finally {
  await browser.close();
  view.stop();
}
