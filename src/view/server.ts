/**
 * The view's page server (node:http, loopback only): the page and its bundled script, a JSON API over the
 * store, and a Server-Sent Events stream that tells the page when something new arrived.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PACKAGE_ROOT } from '../core/paths.js';
import { refusal } from './guard.js';
import type { TraceFilter, ViewStore } from './store.js';

export interface PageServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

export interface PageServerOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** Where page.js and page.css are (default: the package's dist/view, written by the build). */
  assetsDir?: string;
  /** Least time between two update events on the stream (default 200 ms). */
  pushIntervalMs?: number;
}

/** Nothing but the page's own script and style may run or load; the page may not be framed. */
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>create-traced-service view</title>
<link rel="stylesheet" href="/page.css">
</head>
<body>
<div id="app"></div>
<script type="module" src="/page.js"></script>
</body>
</html>
`;

const ASSETS: Record<string, string> = {
  '/page.js': 'text/javascript; charset=utf-8',
  '/page.css': 'text/css; charset=utf-8',
};

/** JSON for the page: nanosecond bigints as decimal strings, byte values as base64. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v,
  );
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

const sendJson = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, 'application/json; charset=utf-8', toJson(value));

export function filterFrom(params: URLSearchParams): TraceFilter {
  const text = (name: string) => params.get(name)?.trim() || undefined;
  const number = (name: string) => {
    const v = Number(params.get(name));
    return params.get(name) && Number.isFinite(v) ? v : undefined;
  };
  const filter: TraceFilter = {};
  const set = <K extends keyof TraceFilter>(key: K, value: TraceFilter[K] | undefined) => {
    if (value !== undefined) filter[key] = value;
  };
  set('service', text('service'));
  set('route', text('route'));
  set('status', text('status'));
  set('traceId', text('traceId'));
  set('minDurationMs', number('minMs'));
  set('limit', Math.min(number('limit') ?? 200, 2000));
  if (params.get('errors') === '1') filter.errorsOnly = true;
  return filter;
}

function overview(store: ViewStore) {
  return { stats: store.stats(), facets: store.facets(), routes: store.metrics.routes(), hints: store.serviceHints() };
}

/** Streams an update event whenever the store changed, at most once per interval; a comment keeps it open. */
function stream(req: IncomingMessage, res: ServerResponse, store: ViewStore, intervalMs: number): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
  res.write('retry: 1000\n\n');
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  const push = () => {
    timer = undefined;
    last = Date.now();
    res.write(`event: update\ndata: ${toJson(store.stats())}\n\n`);
  };
  const unsubscribe = store.onChange(() => {
    if (timer) return;
    timer = setTimeout(push, Math.max(0, last + intervalMs - Date.now()));
  });
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  push();
  req.on('close', () => {
    unsubscribe();
    clearInterval(keepAlive);
    if (timer) clearTimeout(timer);
  });
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  store: ViewStore,
  opts: Required<Omit<PageServerOptions, 'port'>>,
  port: number,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://view.localhost');
  const refused = refusal(req.method, url.pathname, req.headers, port);
  if (refused) return send(res, refused.status, 'text/plain; charset=utf-8', `${refused.reason}\n`);
  const p = url.pathname;
  if (p === '/') return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
  const assetType = ASSETS[p];
  if (assetType) {
    const body = await readFile(path.join(opts.assetsDir, p.slice(1))).catch(() => undefined);
    if (!body) return send(res, 503, 'text/plain; charset=utf-8', 'page assets not built (npm run build)\n');
    return send(res, 200, assetType, body);
  }
  // The browser asks for it on its own; there is none.
  if (p === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
  if (p === '/events') return stream(req, res, store, opts.pushIntervalMs);
  if (p === '/api/overview') return sendJson(res, 200, overview(store));
  if (p === '/api/traces') return sendJson(res, 200, store.list(filterFrom(url.searchParams)));
  const traceId = /^\/api\/traces\/([0-9a-f]{1,64})$/.exec(p)?.[1];
  if (traceId) {
    const trace = store.trace(traceId);
    return trace ? sendJson(res, 200, trace) : sendJson(res, 404, { error: 'no such trace (or dropped)' });
  }
  return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
}

export async function startPageServer(store: ViewStore, options: PageServerOptions = {}): Promise<PageServer> {
  const opts = {
    assetsDir: options.assetsDir ?? path.join(PACKAGE_ROOT, 'dist', 'view'),
    pushIntervalMs: options.pushIntervalMs ?? 200,
  };
  let port = 0;
  const server = createServer((req, res) => {
    route(req, res, store, opts, port).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Event streams never end on their own.
        server.closeAllConnections();
      }),
  };
}
