/**
 * The three collector states the benchmark exposes a service to: up (the CLI's own OTLP receiver, which
 * also counts spans), down (a closed port) and hanging (accepts connections, never answers a byte).
 */
import { createServer } from 'node:net';
import { importInternal } from './internals.mjs';
import { onCleanup } from './proc.mjs';

let receiverModule;
async function loadReceiver() {
  receiverModule ??= await importInternal('receiver');
  return receiverModule;
}

/** Collector up: the built-in receiver on 127.0.0.1, gRPC (`endpoint`) and OTLP/HTTP (`httpEndpoint`). */
export async function startUpCollector(limits = undefined) {
  const { startReceiver } = await loadReceiver();
  const receiver = await startReceiver({ host: '127.0.0.1', closeGraceMs: 500, limits });
  const unregister = onCleanup(() => receiver.close());
  return {
    kind: 'up',
    endpoint: receiver.grpcEndpoint,
    // OTLP/HTTP on its own port (the exporters append /v1/traces, /v1/metrics, /v1/logs).
    httpEndpoint: receiver.httpEndpoint,
    receiver,
    spanCount: () => receiver.spans.length,
    close: async () => {
      unregister();
      await receiver.close();
    },
  };
}

/** A port nobody listens on: bind an ephemeral port, then close it. */
export async function startDownCollector() {
  const port = await new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port: p } = s.address();
      s.close(() => resolve(p));
    });
  });
  return { kind: 'down', endpoint: `http://127.0.0.1:${port}`, spanCount: () => 0, close: async () => {} };
}

/** Accepts every connection and never writes: the gRPC handshake never completes. */
export async function startHangingCollector() {
  const sockets = new Set();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('data', () => {}); // read and discard, never answer
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  const unregister = onCleanup(close);
  return {
    kind: 'hanging',
    endpoint: `http://127.0.0.1:${server.address().port}`,
    spanCount: () => 0,
    accepted: () => accepted,
    close: async () => {
      unregister();
      await close();
    },
  };
}

/**
 * The endpoint an OTLP exporter of `protocol` (grpc or http/protobuf) is given for `collector`: the
 * receiver listens on one port per protocol; a closed port or a silent server is the same for both.
 */
export function endpointFor(collector, protocol) {
  return protocol === 'http/protobuf' ? (collector.httpEndpoint ?? collector.endpoint) : collector.endpoint;
}

/** `limits` (kind 'up'): receiver caps above the CLI's own, for loads that send more than a smoke test does. */
export function startCollector(kind, limits = undefined) {
  if (kind === 'up') return startUpCollector(limits);
  if (kind === 'down') return startDownCollector();
  if (kind === 'hanging') return startHangingCollector();
  throw new Error(`unknown collector state ${kind}`);
}
