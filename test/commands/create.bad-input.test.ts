/**
 * Table-driven bad input: each row is what a user might type, and each must give one clear error line,
 * a non-zero exit, and leave the disk exactly as it was.
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listTree, runCli, scratchDir } from '../support/helpers.js';

interface Row {
  name: string;
  args: string[];
  /** Files to create in the scratch directory first: path -> content (a trailing / makes a directory). */
  setup?: Record<string, string>;
  error: RegExp;
  code?: number;
}

const rows: Row[] = [
  {
    name: 'unknown CI system',
    args: ['svc', '--ci', 'jenkins'],
    error: /^error: --ci "jenkins": expected one of github, gitlab$/,
  },
  {
    name: 'empty service name',
    args: ['svc', '--service-name', ''],
    error: /^error: --service-name: service name must not be empty$/,
  },
  {
    name: 'service name too long',
    args: ['svc', '--service-name', 'x'.repeat(101)],
    error: /^error: --service-name: service name must be at most 100 characters$/,
  },
  {
    name: 'service name with a newline',
    args: ['svc', '--service-name', 'a\nb'],
    error: /^error: --service-name: must not contain control characters/,
  },
  {
    name: 'service name that is a path',
    args: ['svc', '--service-name', '../x'],
    error: /^error: --service-name: must not contain "\/" \(it names a service, not a path\)$/,
  },
  {
    name: 'environment with a tab',
    args: ['svc', '--environment', 'prod\tx'],
    error: /^error: --environment: must not contain control characters/,
  },
  {
    name: 'unknown exporter',
    args: ['svc', '--exporter', 'zipkin'],
    error: /^error: --exporter: must be one of: otlp-grpc, otlp-http, console$/,
  },
  { name: 'unknown framework', args: ['svc', '--framework', 'rails'], error: /^error: --framework: must be one of: / },
  {
    name: 'ratio above 1',
    args: ['svc', '--sampler-ratio', '1.01'],
    error: /^error: --sampler-ratio: must be a number between 0 and 1$/,
  },
  {
    name: 'ratio not a number',
    args: ['svc', '--sampler-ratio', 'ten'],
    error: /^error: --sampler-ratio: must be a number between 0 and 1$/,
  },
  {
    name: 'endpoint without port',
    args: ['svc', '--endpoint', 'collector'],
    error: /^error: --endpoint: must be host:port \(e\.g\. otel-collector:4317\) or an http\(s\):\/\/ URL$/,
  },
  {
    name: 'endpoint with credentials',
    args: ['svc', '--endpoint', 'https://u:p@c:4318'],
    error: /^error: --endpoint: must not contain credentials/,
  },
  {
    name: 'endpoint with a quote',
    args: ['svc', '--endpoint', 'c"ol:4317'],
    error: /^error: --endpoint: must be host:port/,
  },
  {
    name: 'negative queue',
    args: ['svc', '--max-queue-size', '-1'],
    error: /^error: --max-queue-size: must be between 1 and 1000000$/,
  },
  {
    name: 'batch larger than queue',
    args: ['svc', '--max-queue-size', '10', '--max-export-batch-size', '20'],
    error: /^error: --max-export-batch-size: must not exceed --max-queue-size \(10\)$/,
  },
  {
    name: 'unknown OpenTelemetry line',
    args: ['svc', '--otel-version', '2.0'],
    error: /^error: --otel-version: must be one of the matched OpenTelemetry releases: /,
  },
  {
    name: 'attribute without =',
    args: ['svc', '--resource-attribute', 'team'],
    error: /^error: --resource-attribute: expected key=value/,
  },
  { name: 'excluded URL with a space', args: ['svc', '--excluded-urls', '/a b'], error: /^error: --excluded-urls: / },
  { name: 'unknown flag', args: ['svc', '--colour', 'blue'], error: /^error: unknown option '--colour'$/ },
  {
    name: 'missing config file',
    args: ['svc', '--config', 'nope.json'],
    error: /^error: --config: cannot read nope\.json \(ENOENT\)$/,
  },
  {
    name: 'config is not JSON',
    args: ['svc', '--config', 'c.json'],
    setup: { 'c.json': 'exporter: otlp' },
    error: /^error: --config: c\.json is not valid JSON/,
  },
  {
    name: 'config is an array',
    args: ['svc', '--config', 'c.json'],
    setup: { 'c.json': '[]' },
    error: /^error: --config: c\.json must hold a JSON object$/,
  },
  {
    name: 'config with an unknown key',
    args: ['svc', '--config', 'c.json'],
    setup: { 'c.json': '{"colour":"blue"}' },
    error: /^error: unknown option "colour"; known options: /,
  },
  {
    name: 'config with a bad value',
    args: ['svc', '--config', 'c.json'],
    setup: { 'c.json': '{"maxQueueSize":"lots"}' },
    error: /^error: config "maxQueueSize" \(--max-queue-size\): must be a whole number$/,
  },
  {
    name: 'a file where the directory should be',
    args: ['svc'],
    setup: { svc: 'x' },
    error: /svc exists and is not a directory$/,
  },
  {
    name: 'a non-empty directory',
    args: ['svc'],
    setup: { 'svc/keep.txt': 'mine' },
    error: /svc is not empty; choose another directory or pass --force/,
  },
  {
    name: 'the current directory, not empty',
    args: ['.'],
    setup: { 'keep.txt': 'mine' },
    error: /is not empty; choose another directory or pass --force/,
  },
  {
    name: 'an unwritable place',
    args: ['/proc/cts-cannot-write-here'],
    error: /^error: cannot write in \/proc: E[A-Z]+$/,
  },
  { name: 'a directory below a file', args: ['f/svc'], setup: { f: 'x' }, error: /^error: cannot (read|write in) .*f/ },
];

function snapshot(dir: string): Record<string, number> {
  return Object.fromEntries(listTree(dir).map((f) => [f, statSync(path.join(dir, f)).mtimeMs]));
}

describe('bad input: one line, non-zero exit, nothing written', () => {
  it.each(rows)('$name', async (row) => {
    const cwd = scratchDir('cts-bad-');
    for (const [file, content] of Object.entries(row.setup ?? {})) {
      mkdirSync(path.dirname(path.join(cwd, file)), { recursive: true });
      writeFileSync(path.join(cwd, file), content);
    }
    const before = snapshot(cwd);
    const r = await runCli([...row.args, '--yes', '--no-install'], { cwd });
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('(run with --help'));
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(row.error);
    expect(r.code).toBe(row.code ?? 2);
    expect(snapshot(cwd)).toEqual(before);
    expect(readdirSync(cwd).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
