/**
 * Invented but web-service-shaped spans for the live view's benchmark, as OTLP/HTTP protobuf export requests
 * encoded with the receiver's own message definitions: traces of 2-20 spans (a server span, then internal
 * and client children), cut into batches as a BatchSpanProcessor cuts them, and one large trace to open.
 */
import { importInternal } from './internals.mjs';

/** A small seeded generator (mulberry32), so every run sends the same spans. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVICES = ['checkout', 'catalog', 'payments'];
const ROUTES = ['/items/{item_id}', '/orders', '/orders/{order_id}', '/cart', '/search'];
const T0_NS = 1_765_000_000_000_000_000n;

const kv = (key, value) => ({
  key,
  value: typeof value === 'number' ? { intValue: value } : { stringValue: String(value) },
});

/** 16 or 8 bytes from a counter and a run tag: unique ids without a random source. */
export function idBytes(n, bytes, tag = 0) {
  const b = Buffer.alloc(bytes);
  b.writeUInt32BE(tag >>> 0, 0);
  b.writeUInt32BE(n >>> 0, bytes - 4);
  if (bytes === 16) b.writeUInt32BE(0xc0ffee, 6);
  return b;
}

function serverSpan(traceId, spanId, route, startNs, durNs, status) {
  return {
    traceId,
    spanId,
    name: `GET ${route}`,
    kind: 2,
    startTimeUnixNano: startNs.toString(),
    endTimeUnixNano: (startNs + durNs).toString(),
    attributes: [
      kv('http.request.method', 'GET'),
      kv('http.route', route),
      kv('url.path', route.replace(/\{[^}]+\}/g, '42')),
      kv('url.scheme', 'http'),
      kv('http.response.status_code', status),
      kv('server.address', '127.0.0.1'),
      kv('network.protocol.version', '1.1'),
      kv('user_agent.original', 'bench/1.0'),
    ],
    status: status >= 500 ? { code: 2, message: 'internal error' } : {},
  };
}

function childSpan(traceId, spanId, parentSpanId, i, startNs, durNs) {
  const client = i % 3 === 0;
  return {
    traceId,
    spanId,
    parentSpanId,
    name: client ? 'SELECT items' : `process_step_${i}`,
    kind: client ? 3 : 1,
    startTimeUnixNano: startNs.toString(),
    endTimeUnixNano: (startNs + durNs).toString(),
    attributes: client
      ? [kv('db.system', 'postgresql'), kv('db.statement', 'SELECT * FROM items WHERE id = $1'), kv('db.name', 'shop')]
      : [kv('item.id', String(i)), kv('processing.status', 'completed')],
    status: {},
  };
}

/**
 * One trace of `size` spans: a server span, then children each under the root or an earlier child (at most
 * `maxDepth` deep), every child inside its parent's time.
 */
export function makeTrace({ traceNo, size, rand, tag = 0, maxDepth = 6 }) {
  const traceId = idBytes(traceNo, 16, tag);
  const route = ROUTES[traceNo % ROUTES.length];
  const startNs = T0_NS + BigInt(traceNo) * 1_000_000n;
  const durNs = BigInt(5_000_000 + Math.floor(rand() * 200_000_000));
  const status = rand() < 0.02 ? 500 : 200;
  const spans = [serverSpan(traceId, idBytes(traceNo * 4096, 8, tag ^ 1), route, startNs, durNs, status)];
  const meta = [{ start: startNs, dur: durNs, depth: 0 }];
  for (let i = 1; i < size; i++) {
    let p = Math.floor(rand() * spans.length);
    while (meta[p].depth >= maxDepth) p = Math.floor(rand() * p);
    const parent = meta[p];
    const offset = BigInt(Math.floor(rand() * Number(parent.dur / 2n)));
    const dur = BigInt(Math.max(1000, Math.floor(rand() * Number(parent.dur - offset))));
    const spanId = idBytes(traceNo * 4096 + i, 8, tag ^ 1);
    spans.push(childSpan(traceId, spanId, spans[p].spanId, i, parent.start + offset, dur));
    meta.push({ start: parent.start + offset, dur, depth: parent.depth + 1 });
  }
  return { traceId: traceId.toString('hex'), service: SERVICES[traceNo % SERVICES.length], spans };
}

/** An export request of `items` ({service, span}), one ResourceSpans per service as an SDK per process sends. */
function exportRequest(items) {
  const byService = new Map();
  for (const { service, span } of items) {
    if (!byService.has(service)) byService.set(service, []);
    byService.get(service).push(span);
  }
  return {
    resourceSpans: [...byService].map(([service, spans]) => ({
      resource: {
        attributes: [
          kv('service.name', service),
          kv('service.version', '1.4.2'),
          kv('deployment.environment.name', 'dev'),
          kv('telemetry.sdk.language', 'python'),
          kv('telemetry.sdk.name', 'opentelemetry'),
          kv('telemetry.sdk.version', '1.38.0'),
        ],
      },
      scopeSpans: [{ scope: { name: 'opentelemetry.instrumentation.fastapi', version: '0.59b0' }, spans }],
    })),
  };
}

/** Cuts traces' spans into export requests of `batchSize` spans (a trace may straddle two), protobuf-encoded. */
export async function encodeBatches(traces, batchSize) {
  const { ExportTraceServiceRequest: T } = await importInternal('receiver');
  const items = traces.flatMap((t) => t.spans.map((span) => ({ service: t.service, span })));
  const out = [];
  for (let i = 0; i < items.length; i += batchSize) {
    const req = exportRequest(items.slice(i, i + batchSize));
    out.push({ spans: Math.min(batchSize, items.length - i), body: Buffer.from(T.encode(T.fromObject(req)).finish()) });
  }
  return out;
}

/** Exactly `total` spans in traces of 2-20 spans (the last one shorter if need be). */
export function ingestTraces(total, seed = 1) {
  const rand = prng(seed);
  const traces = [];
  let left = total;
  for (let traceNo = 1; left > 0; traceNo++) {
    const size = Math.min(left, 2 + Math.floor(rand() * 19));
    traces.push(makeTrace({ traceNo, size, rand }));
    left -= size;
  }
  return traces;
}

/** One trace of `size` spans to open in the page, with ids no ingest trace has. */
export function bigTrace(size, tag) {
  return makeTrace({ traceNo: 1, size, rand: prng(tag), tag, maxDepth: 12 });
}
