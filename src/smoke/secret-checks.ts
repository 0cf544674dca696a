/**
 * Secrets stay out of the telemetry: the sample request carries a fresh random secret as a bearer token,
 * a cookie and two query parameters, and this check fails if that value arrives in any span, log record
 * or metric point, naming where (never the value).
 */
import type { AttrValue } from '../receiver/model.js';
import { check, type NamedCheck } from './check.js';

/** The headers that carry the secret: what a browser or an API client sends on every request. */
export function secretHeaders(secret: string): Record<string, string> {
  return { authorization: `Bearer ${secret}`, cookie: `session=${secret}` };
}

/** The request path with the secret in the query parameters services most often receive credentials in. */
export function withSecretQuery(path: string, secret: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}token=${secret}&api_key=${secret}`;
}

/** Where in a value (keys included) the secret occurs: '' for the value itself, else the nested key path. */
function carries(value: AttrValue | undefined, secret: string): boolean {
  if (typeof value === 'string') return value.includes(secret);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1').includes(secret);
  if (Array.isArray(value)) return value.some((v) => carries(v, secret));
  if (value && typeof value === 'object')
    return Object.entries(value).some(([k, v]) => k.includes(secret) || carries(v, secret));
  return false;
}

function leakedKeys(attributes: Record<string, AttrValue>, secret: string): string[] {
  return Object.entries(attributes)
    .filter(([k, v]) => k.includes(secret) || carries(v, secret))
    .map(([k]) => k);
}

const DIAGNOSIS =
  'request credentials reach the telemetry: redact url.query values of sensitive keys (token, api_key, ...) as the semantic conventions require, capture no Authorization/Cookie header (or list them in the sanitize setting: OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS in Python), and export spans through a processor that redacts attributes whose keys look like secrets';

export const secretsCheck: NamedCheck = ({ requests, spans, logs, metrics }) => {
  const secret = requests.find((r) => r.secret)?.secret;
  if (!secret) return undefined;
  const places = new Set<string>();
  for (const s of spans) {
    if (s.name.includes(secret)) places.add(`${s.kind} span name`);
    for (const k of leakedKeys(s.attributes, secret)) places.add(`span "${s.name}" attribute ${k}`);
    for (const e of s.events)
      for (const k of leakedKeys(e.attributes, secret)) places.add(`span "${s.name}" event ${e.name} attribute ${k}`);
    if (s.status.message.includes(secret)) places.add(`span "${s.name}" status message`);
    for (const k of leakedKeys(s.resource, secret)) places.add(`resource attribute ${k}`);
  }
  for (const l of logs ?? []) {
    if (carries(l.body, secret)) places.add('log record body');
    for (const k of leakedKeys(l.attributes, secret)) places.add(`log record attribute ${k}`);
  }
  for (const m of metrics ?? [])
    for (const k of leakedKeys(m.attributes, secret)) places.add(`metric ${m.name} attribute ${k}`);
  const found = [...places];
  return check(
    'no secret in the telemetry',
    found.length === 0,
    found.length === 0
      ? 'the bearer token, cookie and token/api_key query values sent with the sample request appear nowhere'
      : `the secret sent with the sample request arrived in: ${found.slice(0, 8).join('; ')}${found.length > 8 ? `; … (${found.length} places)` : ''}`,
    DIAGNOSIS,
  );
};
