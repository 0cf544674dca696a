/**
 * The instrumentations search each excluded-URL pattern anywhere in the full request URL
 * (`re.search` on "http://host:port/path?query"), so a bare "/docs" also drops "/docsearch" and
 * "/api/docs". A literal path is turned into a pattern that matches exactly that path (and its query
 * string) on any host; anything else is taken as the regular expression the user wrote.
 */

import { DEFAULT_EXCLUDED_URLS } from './schema.js';

/** Characters a literal path may hold; anything else is read as a regular expression. */
const LITERAL_PATH = /^\/?[A-Za-z0-9_\-./~]+$/;

export function exactPathPattern(item: string): string {
  if (!LITERAL_PATH.test(item)) return item;
  const path = item.startsWith('/') ? item : `/${item}`;
  const escaped = path.replace(/[.\-/]/g, (c) => (c === '/' ? '/' : `\\${c}`));
  // scheme://authority, then the path, then nothing or a query string.
  return `^[a-z][a-z0-9+.\\-]*://[^/]+${escaped}(?:\\?.*)?$`;
}

/** The comma-separated list the instrumentations take (the patterns never contain commas). */
export function excludedUrlPatterns(items: readonly string[]): string {
  return items.map(exactPathPattern).join(',');
}

/** Probe paths besides the defaults' /healthz and /readyz: what liveness and readiness checks commonly call. */
const OTHER_PROBE_PATHS = ['/health', '/livez', '/ready', '/live', '/ping'];

let probePaths: Set<string> | undefined;

/**
 * Whether a request path (without its query) is one the default exclusions drop, or a common probe: traffic
 * not worth a trace. Every such item is a literal path, which exactPathPattern matches exactly.
 */
export function isUntracedByDefault(path: string): boolean {
  probePaths ??= new Set(
    [...DEFAULT_EXCLUDED_URLS, ...OTHER_PROBE_PATHS].map((p) => (p.startsWith('/') ? p : `/${p}`)),
  );
  return probePaths.has(path);
}
