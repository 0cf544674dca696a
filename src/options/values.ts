/**
 * The zod types of option values (text, whole numbers, booleans, endpoints, resource attributes, excluded
 * URLs): each refuses what could not be written safely into every generated file, with a one-line reason.
 */
import { z } from 'zod';
import { checkPythonRegex } from './python-regex.js';

// Characters that would let a value break out of a line in any generated file (and make no sense in a name).
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const noControl = (s: string) => !CONTROL_CHARS.test(s);
const NO_CONTROL_MESSAGE = 'must not contain control characters such as newlines or tabs';
// Invisible format characters, bidirectional controls among them: they make code read differently from
// how it runs ("Trojan Source"). Refused in every typed value, so README prose and code spans never hold them.
const FORMAT_CHAR = /\p{Cf}/u;

/** Why a typed value cannot be written anywhere, or undefined. */
export function textProblem(value: string): string | undefined {
  if (!noControl(value)) return NO_CONTROL_MESSAGE;
  const format = FORMAT_CHAR.exec(value);
  if (format) {
    const code = format[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `must not contain invisible or bidirectional formatting characters (U+${code})`;
  }
  return undefined;
}

/** A value quoted for an error message, cut short so that a hostile value cannot flood the terminal. */
export function quoteValue(value: unknown, max = 60): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A typed string: trimmed, non-empty, at most max characters, nothing that could break out of a line. */
export const text = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string` })
    .trim()
    .min(1, { error: `${what} must not be empty` })
    .max(max, { error: `${what} must be at most ${max} characters` })
    .superRefine((value, ctx) => {
      const problem = textProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

const DECIMAL_INT = /^-?[0-9]+$/;

/** Whole numbers: JSON integers, or strings of decimal digits (no "0x1", "1e3", "1.0" or " 5"). */
export const int = (min: number, max: number) =>
  z.unknown().transform((value, ctx) => {
    let n = value;
    if (typeof value === 'string') {
      if (!DECIMAL_INT.test(value)) {
        const numberLike = value.trim() !== '' && !Number.isNaN(Number(value));
        const message = numberLike ? 'must be a whole number written in decimal digits' : 'must be a whole number';
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      n = Number(value);
    }
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      ctx.addIssue({ code: 'custom', message: 'must be a whole number' });
      return z.NEVER;
    }
    if (n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max}` });
      return z.NEVER;
    }
    return n;
  });

export const bool = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const s = v.trim().toLowerCase();
    if (['true', '1', 'yes'].includes(s)) return true;
    if (['false', '0', 'no'].includes(s)) return false;
    return v;
  },
  z.boolean({ error: 'must be true or false' }),
);

const HOST = String.raw`(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)`;
const HOST_PORT = new RegExp(`^${HOST}:(\\d{1,5})$`);

/** An OTLP endpoint is either `host:port` (gRPC style) or an http(s) URL. */
export function endpointProblem(value: string): string | undefined {
  const hostPort = HOST_PORT.exec(value);
  if (hostPort) {
    const port = Number(hostPort[1]);
    return port >= 1 && port <= 65535 ? undefined : 'port must be between 1 and 65535';
  }
  if (!/^https?:\/\//i.test(value)) return 'must be host:port (e.g. otel-collector:4317) or an http(s):// URL';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  if (url.username || url.password)
    return 'must not contain credentials; put tokens in OTEL_EXPORTER_OTLP_HEADERS at run time';
  if (url.search || url.hash) return 'must not contain a query string or fragment';
  if (!new RegExp(`^${HOST}$`).test(url.hostname)) return 'has an invalid host name';
  return undefined;
}

export const endpoint = z
  .string({ error: 'must be a string' })
  .superRefine((raw, ctx) => {
    // Checked before trimming: a control character anywhere (even a trailing newline) is refused.
    const value = raw.trim();
    // empty means "the exporter's default", resolved later
    const problem = textProblem(raw) ?? (value === '' ? undefined : endpointProblem(value));
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((raw) => raw.trim());

const ATTRIBUTE_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const RESERVED_ATTRIBUTE_KEYS = new Set(['service.name', 'deployment.environment']);

function attributeProblem(key: string, value: unknown): string | undefined {
  if (!ATTRIBUTE_KEY.test(key)) {
    return `key ${quoteValue(key)} must start with a letter or "_" and contain only letters, digits, "_", "." or "-"`;
  }
  if (RESERVED_ATTRIBUTE_KEYS.has(key)) return `${key} has its own option; do not set it as a resource attribute`;
  if (typeof value !== 'string' || value === '') return `value of ${key} must be a non-empty string`;
  const problem = textProblem(value);
  if (problem) return `value of ${key} ${problem}`;
  if (value.length > 255) return `value of ${key} must be at most 255 characters`;
  return undefined;
}

/**
 * `key=value` strings (from flags) or a plain object (from a config file). The result has no prototype,
 * so keys such as `__proto__` or `constructor` are ordinary attribute names, kept like any other.
 */
export const resourceAttributes = z.unknown().transform((input, ctx): Record<string, string> => {
  const out = Object.create(null) as Record<string, string>;
  const add = (key: string, value: unknown) => {
    const problem = attributeProblem(key, value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    else Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  };
  let v = input;
  if (typeof v === 'string') v = v === '' ? [] : [v];
  if (Array.isArray(v)) {
    for (const item of v) {
      if (typeof item !== 'string' || !item.includes('=')) {
        ctx.addIssue({ code: 'custom', message: `expected key=value, got ${quoteValue(item)}` });
        continue;
      }
      const at = item.indexOf('=');
      add(item.slice(0, at).trim(), item.slice(at + 1));
    }
  } else if (typeof v === 'object' && v !== null) {
    for (const key of Object.keys(v)) add(key, (v as Record<string, unknown>)[key]);
  } else {
    ctx.addIssue({ code: 'custom', message: 'must be key=value strings or an object of strings' });
  }
  return out;
});

const MAX_EXCLUDED_URL = 200;

function excludedUrlProblem(item: string): string | undefined {
  const shown = quoteValue(item);
  const problem = textProblem(item);
  if (problem) return `${shown} ${problem}`;
  if (item.trim() === '' || /[\s,]/.test(item)) {
    return `${shown} must be a non-empty path fragment without spaces or commas`;
  }
  if (item.length > MAX_EXCLUDED_URL) return `${shown} must be at most ${MAX_EXCLUDED_URL} characters`;
  // The service compiles these with Python's re; the smoke test also matches them in JavaScript.
  const python = checkPythonRegex(item);
  if (!python.ok && python.kind === 'invalid') {
    return `${shown} is not a valid Python regular expression: ${python.message}`;
  }
  if (!python.ok) return `${shown} uses ${python.message}, which excluded URLs do not support`;
  try {
    new RegExp(item);
  } catch {
    return `${shown} is not a regular expression JavaScript can also read`;
  }
  return undefined;
}

/** A comma list (from flags/prompts) or an array (from a config file) of URL path fragments. */
export const excludedUrls = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string({ error: 'must be a list of strings' })).superRefine((list, ctx) => {
    for (const item of list) {
      const problem = excludedUrlProblem(item);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }
  }),
);
