/** Draining a server on shutdown, the same for every framework. */
import type { Server } from 'node:http';

/**
 * Call once the server stops accepting. Its close waits for every connection to end, and a kept-alive one
 * would hold it open until its keep-alive timeout, also one that finishes its request after close began:
 * each connection is closed as soon as it is idle, and whatever is left when `drainMillis` is up.
 * Returns what stops both once the server has closed.
 */
export function closeConnectionsWhileDraining(server: Server, drainMillis: number): () => void {
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  const late = setTimeout(() => server.closeAllConnections(), drainMillis);
  server.closeIdleConnections();
  return () => {
    clearInterval(idle);
    clearTimeout(late);
  };
}
