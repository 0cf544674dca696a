/**
 * What doctor can see, without running anything, of a service that sends credentials to its telemetry:
 * request headers recorded without sanitizing (Python's OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_* and
 * instrument_app arguments, Node's headersToSpanAttributes), and span attributes set from a credential
 * header. Shared by every runtime's doctor: it reads source and deployment files as text.
 */
import path from 'node:path';
import type { Finding } from './findings.js';
import { readTextIfExistsSync } from '../core/read-file.js';

export interface TextFile {
  /** Relative to the project, with forward slashes. */
  path: string;
  text: string;
}

/** Deployment files that commonly set OTEL_* variables; read as text when they exist. */
export const DEPLOY_FILES = [
  '.env',
  'Dockerfile',
  'compose.yaml',
  'compose.yml',
  'docker-compose.yml',
  'docker-compose.yaml',
];

export function readTextFiles(root: string, relPaths: readonly string[]): TextFile[] {
  return relPaths.flatMap((rel) => {
    // Absent: nothing to see. A FIFO, a device or a link out of the project is refused, never read.
    const text = readTextIfExistsSync(path.join(root, rel), { label: rel, within: root });
    return text === undefined ? [] : [{ path: rel, text }];
  });
}

const CREDENTIAL_HEADER = /authorization|cookie|api[-_]?key|token|secret/i;
const CAPTURE = [
  /OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST\s*[=:]\s*["']?([^"'\n]*)/g,
  /http_capture_headers_server_request\s*=\s*(\[[^\]]*\]|["'][^"'\n]*["'])/g,
];
const SANITIZE = /OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS|http_capture_headers_sanitize_fields/;
const NODE_CAPTURE = /requestHeaders\s*:\s*\[([^\]]*)\]/g;
const ATTRIBUTE_FROM_HEADER = /set_?attributes?\([^\n]*headers[^\n]*(authorization|cookie)/gi;

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

function matches(files: readonly TextFile[], pattern: RegExp): { file: TextFile; line: number; value: string }[] {
  return files.flatMap((file) =>
    [...file.text.matchAll(pattern)].map((m) => ({ file, line: lineOf(file.text, m.index), value: m[1] ?? '' })),
  );
}

/** `runtime` picks the header settings that apply: the OTEL_INSTRUMENTATION_HTTP_* variables are Python's only. */
export function credentialCaptureFindings(files: readonly TextFile[], runtime: 'python' | 'node'): Finding[] {
  const findings: Finding[] = [];
  const sanitized = files.some((f) => SANITIZE.test(f.text));
  const recorded = (value: string) => value.includes('.*') || CREDENTIAL_HEADER.test(value);
  const python =
    sanitized || runtime !== 'python' ? [] : CAPTURE.flatMap((p) => matches(files, p)).filter((m) => recorded(m.value));
  const node = runtime !== 'node' ? [] : matches(files, NODE_CAPTURE).filter((m) => CREDENTIAL_HEADER.test(m.value));
  for (const m of [...python, ...node].sort((a, b) => a.file.path.localeCompare(b.file.path) || a.line - b.line)) {
    findings.push({
      code: 'credential-headers-recorded',
      severity: 'error',
      where: `${m.file.path}:${m.line}`,
      message: `request headers recorded on spans include credentials (${m.value.trim() || 'all'}): every bearer token and session cookie is exported`,
      fix: node.includes(m)
        ? 'record no Authorization/Cookie header: the Node HTTP instrumentation has no sanitize setting'
        : 'set OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS=authorization,cookie,token,secret,api.?key,session (or pass http_capture_headers_sanitize_fields)',
    });
  }
  for (const m of matches(files, ATTRIBUTE_FROM_HEADER)) {
    findings.push({
      code: 'credential-attribute',
      severity: 'warning',
      where: `${m.file.path}:${m.line}`,
      message: `a span attribute is set from the ${m.value.toLowerCase()} header: its value is exported as it is`,
      fix: 'record who the caller is (a user id), never the credential itself',
    });
  }
  return findings;
}
