/**
 * The receiver against the real opentelemetry-python exporters (gRPC and HTTP/protobuf, plain and
 * gzip) and ConsoleSpanExporter output. Skipped only when CTS_SKIP_PYTHON=1.
 */
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ReceivedSpan, type Receiver, parseConsoleSpans, startReceiver } from '../../src/receiver/index.js';
import { VENV_SETUP_TIMEOUT_MS, ensureVenv, skipPython } from './python-venv.js';

const OTEL_VERSION = '1.45.2';
const PINS = [
  `opentelemetry-sdk==${OTEL_VERSION}`,
  `opentelemetry-exporter-otlp-proto-grpc==${OTEL_VERSION}`,
  `opentelemetry-exporter-otlp-proto-http==${OTEL_VERSION}`,
];
const SCRIPT = fileURLToPath(new URL('./fixtures/export_spans.py', import.meta.url));
// Anything the SDK logs when an export fails or is retried.
const EXPORT_TROUBLE = /fail|error|retr|transient|exception|traceback|warn|timeout|unavailable/i;

interface ScriptSummary {
  trace_id: string;
  parent_span_id: string;
  child_span_id: string;
  results: Record<string, string[]>;
}

interface ScriptRun {
  summary: ScriptSummary;
  stdout: string;
  stderr: string;
}

let python = '';

async function runExportScript(args: string[]): Promise<ScriptRun> {
  // The child must not pick up exporter settings from the developer's or CI's environment.
  const env: Record<string, string> = { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('OTEL_')) env[k] = v;
  const run = await execa(python, [SCRIPT, ...args], { env, extendEnv: false, reject: false, timeout: 60_000 });
  const context = `exit ${run.exitCode}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
  expect(run.exitCode, context).toBe(0);
  expect(run.stderr, context).not.toMatch(EXPORT_TROUBLE);
  const line = run.stdout.split('\n').find((l) => l.startsWith('CTS_RESULT '));
  expect(line, context).toBeDefined();
  return {
    summary: JSON.parse(line!.slice('CTS_RESULT '.length)) as ScriptSummary,
    stdout: run.stdout,
    stderr: run.stderr,
  };
}

/** Checks the two spans the script makes, as decoded from any transport. */
function expectScriptTrace(spans: ReceivedSpan[], s: ScriptSummary, transport: ReceivedSpan['transport']): void {
  expect(spans).toHaveLength(2);
  const parent = spans.find((x) => x.spanId === s.parent_span_id);
  const child = spans.find((x) => x.spanId === s.child_span_id);
  if (!parent || !child) throw new Error(`spans ${spans.map((x) => x.spanId).join(',')} miss the script's ids`);

  for (const span of [parent, child]) {
    expect(span.traceId).toBe(s.trace_id);
    expect(span.traceState).toBe('');
    expect(span.transport).toBe(transport);
    expect(span.resource).toMatchObject({
      'service.name': 'cts-interop',
      'deployment.environment': 'test',
      'telemetry.sdk.language': 'python',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.version': OTEL_VERSION,
    });
    // ConsoleSpanExporter does not print the instrumentation scope.
    if (transport === 'console') expect(span.scope).toEqual({ name: '', version: '' });
    else expect(span.scope).toMatchObject({ name: 'cts.interop', version: '1.2.3' });
    expect(span.startTimeUnixNano).toBeGreaterThan(1_600_000_000_000_000_000n);
    expect(span.endTimeUnixNano).toBeGreaterThanOrEqual(span.startTimeUnixNano);
  }

  expect(parent.name).toBe('GET /items');
  expect(parent.kind).toBe('SERVER');
  expect(parent.parentSpanId).toBe('');
  // OTLP ints are bigints (kept apart from doubles); the console's JSON gives plain numbers.
  const int = (n: number) => (transport === 'console' ? n : BigInt(n));
  expect(parent.attributes).toEqual({
    'http.request.method': 'GET',
    'http.response.status_code': int(200),
    ratio: 0.25,
    flag: true,
    tags: ['a', 'b'],
    codes: [int(1), int(2), int(3)],
    big: 2n ** 62n, // beyond 2^53, so it stays a bigint
  });
  expect(parent.status).toEqual({ code: 'OK', message: '' });
  expect(parent.links).toEqual([]);
  expect(parent.events).toHaveLength(1);
  expect(parent.events[0]).toMatchObject({ name: 'cache.miss', attributes: { 'cache.key': 'items:1' } });

  expect(child.name).toBe('load items');
  expect(child.kind).toBe('INTERNAL');
  expect(child.parentSpanId).toBe(parent.spanId);
  expect(child.attributes).toEqual({ 'db.system': 'sqlite' });
  expect(child.status).toEqual({ code: 'ERROR', message: 'db timeout' });
  expect(child.events).toHaveLength(1);
  expect(child.events[0]).toMatchObject({ name: 'retry', attributes: { attempt: int(2) } });
  expect(child.links).toMatchObject([
    { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: 'a3ce929d0e0e4736', attributes: { 'link.reason': 'batch' } },
  ]);
  expect(child.startTimeUnixNano).toBeGreaterThanOrEqual(parent.startTimeUnixNano);
  expect(child.endTimeUnixNano).toBeLessThanOrEqual(parent.endTimeUnixNano);
}

describe.skipIf(skipPython)(`opentelemetry-python ${OTEL_VERSION} exporters → receiver`, () => {
  let receiver: Receiver;

  beforeAll(async () => {
    python = await ensureVenv('receiver', PINS);
  }, VENV_SETUP_TIMEOUT_MS + 30_000);

  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('OTLP/gRPC exporter delivers parent and child exactly once; console output matches', async () => {
    const { summary, stdout } = await runExportScript(['--grpc', receiver.grpcEndpoint, '--console']);
    expect(summary.results).toEqual({ grpc: ['SUCCESS'], console: ['SUCCESS'] });
    // provider.shutdown() returned, so everything was delivered already: no waiting, no retries.
    expect(await receiver.waitForSpans(2, 0)).toBe(true);
    expectScriptTrace(receiver.spans, summary, 'otlp-grpc');
    expect(receiver.requests).toMatchObject([{ transport: 'otlp-grpc', spanCount: 2 }]);

    // The same spans as printed by ConsoleSpanExporter, from the same process.
    const printed = parseConsoleSpans(stdout);
    expectScriptTrace(printed, summary, 'console');
    for (const p of printed) {
      const sent = receiver.spans.find((r) => r.spanId === p.spanId)!;
      expect(p.resource).toEqual(sent.resource);
      // Console times are microsecond ISO strings derived from a float; allow that rounding.
      const near = (a: bigint, b: bigint) => (a > b ? a - b : b - a) <= 2_000n;
      expect(near(p.startTimeUnixNano, sent.startTimeUnixNano)).toBe(true);
      expect(near(p.endTimeUnixNano, sent.endTimeUnixNano)).toBe(true);
      p.events.forEach((e, i) => expect(near(e.timeUnixNano, sent.events[i]!.timeUnixNano)).toBe(true));
    }
  });

  it('OTLP/gRPC exporter with gzip compression', async () => {
    const { summary } = await runExportScript(['--grpc-gzip', receiver.grpcEndpoint]);
    expect(summary.results).toEqual({ 'grpc-gzip': ['SUCCESS'] });
    expectScriptTrace(receiver.spans, summary, 'otlp-grpc');
    expect(receiver.requests).toHaveLength(1);
  });

  it('OTLP/HTTP protobuf exporter', async () => {
    const { summary } = await runExportScript(['--http', `${receiver.httpEndpoint}/v1/traces`]);
    expect(summary.results).toEqual({ http: ['SUCCESS'] });
    expectScriptTrace(receiver.spans, summary, 'otlp-http-protobuf');
    expect(receiver.requests).toMatchObject([{ transport: 'otlp-http-protobuf', spanCount: 2 }]);
  });

  it('OTLP/HTTP protobuf exporter with gzip compression', async () => {
    const { summary } = await runExportScript(['--http-gzip', `${receiver.httpEndpoint}/v1/traces`]);
    expect(summary.results).toEqual({ 'http-gzip': ['SUCCESS'] });
    expectScriptTrace(receiver.spans, summary, 'otlp-http-protobuf');
    expect(receiver.requests).toHaveLength(1);
  });

  it('OTLP/HTTP protobuf exporter with deflate compression', async () => {
    const { summary } = await runExportScript(['--http-deflate', `${receiver.httpEndpoint}/v1/traces`]);
    expect(summary.results).toEqual({ 'http-deflate': ['SUCCESS'] });
    expectScriptTrace(receiver.spans, summary, 'otlp-http-protobuf');
  });

  it('both exporters at once, into two receivers running side by side', async () => {
    const second = await startReceiver();
    try {
      const { summary } = await runExportScript([
        '--grpc',
        receiver.grpcEndpoint,
        '--http',
        `${second.httpEndpoint}/v1/traces`,
      ]);
      expectScriptTrace(receiver.spans, summary, 'otlp-grpc');
      expectScriptTrace(second.spans, summary, 'otlp-http-protobuf');
    } finally {
      await second.close();
    }
  });
});
