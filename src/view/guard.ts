/**
 * Who may talk to the view's page server: only this machine's browser, on a loopback name, from the page's own
 * origin. The server listens on loopback, but a site open in the same browser can still reach it: through DNS
 * rebinding (its own name resolving to 127.0.0.1, seen here as a foreign Host) or a cross-origin request
 * (seen as a foreign Origin or Sec-Fetch-Site). Either is refused before anything is read or streamed.
 */
import type { IncomingHttpHeaders } from 'node:http';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The host part of a Host header or URL host, lowercase, brackets kept for IPv6. */
function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = hostnameOf(host);
  // RFC 6761: every *.localhost name is loopback, and browsers resolve them so without asking DNS.
  return LOOPBACK_NAMES.has(name) || name.endsWith('.localhost');
}

function isOwnOrigin(origin: string, port: number): boolean {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && isLoopbackHost(url.host) && Number(url.port || 80) === port;
  } catch {
    return false;
  }
}

/**
 * Why a request is refused, or undefined when it may proceed. Opening the page itself from a link elsewhere
 * is a navigation and allowed (the linking site cannot read it, and the page may not be framed); reading
 * data is only for the page's own scripts.
 */
export function refusal(
  method: string | undefined,
  path: string,
  headers: IncomingHttpHeaders,
  port: number,
): { status: number; reason: string } | undefined {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, reason: 'only GET and HEAD are served' };
  if (!isLoopbackHost(headers.host)) return { status: 403, reason: 'Host is not a loopback name' };
  const origin = headers.origin;
  if (origin !== undefined && !isOwnOrigin(origin, port)) return { status: 403, reason: 'cross-origin request' };
  const site = headers['sec-fetch-site'];
  const navigation = headers['sec-fetch-mode'] === 'navigate' && path === '/';
  if (site !== undefined && site !== 'same-origin' && site !== 'none' && !navigation)
    return { status: 403, reason: 'cross-site request' };
  return undefined;
}
