/**
 * Traces, metrics and logs end to end: the OTEL_* variables of the Python SDK, applied to a generated
 * telemetry module of every framework (a conformance table), the protocol switched at run time, and the
 * smoke test failing with a named diagnosis on services broken on purpose for each new check.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PYTHON_FRAMEWORKS } from '../../src/catalog/frameworks/index.js';
import { runCli } from '../support/helpers.js';
import { appendToMain, e2eHarness, failing, type SmokeJson } from '../support/harness.js';

const { root, projects, generate, brokenCopy, smokeOf } = e2eHarness({ rootPrefix: 'cts-signals-' });

const SIGNAL_CHECKS = [
  'log record carries the request trace',
  'http.server.request.duration per request',
  'every signal delivered by shutdown',
];

describe('all three signals, FastAPI over gRPC', () => {
  let smoke: SmokeJson;
  beforeAll(async () => {
    const outcome = await generate('otlp-grpc');
    smoke = outcome.result.pipeline.smoke;
    expect(smoke, outcome.stderr).toBeDefined();
  }, 600_000);

  it('passes every check, the log, metric and delivery checks among them', () => {
    expect(smoke.checks.filter((c) => !c.ok)).toEqual([]);
    expect(smoke.checks.map((c) => c.name)).toEqual(expect.arrayContaining(SIGNAL_CHECKS));
  });

  it('OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf on a gRPC project delivers over HTTP', async () => {
    const r = await runCli(['smoke', projects['otlp-grpc']!, '--json'], {
      cwd: root,
      env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
      timeoutMs: 180_000,
    });
    const report = (
      JSON.parse(r.stdout) as { smoke: SmokeJson & { logs: { transport: string }[]; spans: { transport: string }[] } }
    ).smoke;
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(new Set(report.spans.map((s) => s.transport))).toEqual(new Set(['otlp-http-protobuf']));
    expect(new Set(report.logs.map((s) => s.transport))).toEqual(new Set(['otlp-http-protobuf']));
  });

  it('logging handler not installed: the log check names the handler', async () => {
    const dir = brokenCopy(
      'no-log-handler',
      appendToMain('import logging\nlogging.Logger.callHandlers = logging.Logger.callHandlers._otel_original'),
    );
    const { code, report } = await smokeOf(dir);
    expect(code).toBe(1);
    expect(failing(report)['log record carries the request trace']).toMatch(/logging handler is not installed/);
    expect(failing(report)['server span']).toBeUndefined(); // traces are still fine
  });

  it('logs not flushed on shutdown: the delivery check names the flush', async () => {
    // shutdown_telemetry() no longer sees the logger provider, so its batch is never flushed.
    const dir = brokenCopy('no-log-flush', appendToMain('telemetry.logger_provider = None'));
    const { code, report } = await smokeOf(dir);
    expect(code).toBe(1);
    expect(failing(report)['every signal delivered by shutdown']).toMatch(/flush the logger provider/);
    expect(failing(report)['all spans delivered by shutdown']).toBeUndefined();
  });
});

describe('meter provider built before the fork (gunicorn, SDK 1.39, which keeps the master resource)', () => {
  it('fails the per-worker metrics check', async () => {
    const dir = path.join(root, 'flask-139');
    const r = await runCli(
      [
        dir,
        '--yes',
        '--json',
        '--framework',
        'flask',
        '--otel-version',
        '1.39',
        '--service-name',
        'fork',
        '--environment',
        'e2e',
      ],
      {
        cwd: root,
        timeoutMs: 570_000,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    // preload_app imports the app, and so builds every provider, in the master; the guard is removed.
    const broken = path.join(root, 'flask-139-prefork');
    cpSync(dir, broken, {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}.venv`) && !src.includes('__pycache__'),
    });
    symlinkSync(path.join(dir, '.venv'), path.join(broken, '.venv'));
    appendFileSync(
      path.join(broken, 'gunicorn.conf.py'),
      '\n\npreload_app = True\n\n\ndef post_fork(server, worker):\n    pass\n',
    );
    const { code, report } = await smokeOf(broken);
    expect(code).toBe(1);
    expect(failing(report)['every worker exports metrics (2 workers)']).toMatch(/built before the fork/);
  }, 600_000);
});

// --- Conformance: each documented variable, and the pairs whose precedence the specification fixes ---

interface Effective {
  built: boolean;
  resource?: Record<string, unknown>;
  sampler?: string;
  exporters?: Record<string, { kind: string; class: string; endpoint: string | null }[]>;
  batch?: { traces: Record<string, number>[]; logs: Record<string, number>[] };
  metric_export_interval_millis?: number[];
}

const GRPC = 'opentelemetry.exporter.otlp.proto.grpc';
const HTTP = 'opentelemetry.exporter.otlp.proto.http';
const classes = (e: Effective, signal: string) =>
  e.exporters![signal]!.map((x) => `${x.class.split('.').slice(0, 5).join('.')}:${x.kind}`);

const TABLE: [string, Record<string, string>, (e: Effective) => void][] = [
  [
    'generated defaults',
    {},
    (e) => {
      expect(e.resource).toMatchObject({ 'service.name': 'conf', 'deployment.environment.name': 'e2e' });
      expect(e.resource).not.toHaveProperty('deployment.environment');
      expect(e.sampler).toMatch(/^ParentBased\{root:TraceIdRatioBased\{0.5\}/);
      for (const s of ['traces', 'metrics', 'logs']) expect(classes(e, s)).toEqual([`${GRPC}:otlp`]);
      expect(e.exporters!.traces![0]!.endpoint).toBe('collector.example:4317');
      expect(e.batch!.traces[0]).toEqual({
        schedule_delay_millis: 5000,
        max_queue_size: 2048,
        max_export_batch_size: 64,
      });
    },
  ],
  ['OTEL_SDK_DISABLED builds nothing', { OTEL_SDK_DISABLED: 'true' }, (e) => expect(e.built).toBe(false)],
  [
    'OTEL_EXPORTER_OTLP_PROTOCOL switches every signal',
    { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
    (e) => {
      for (const s of ['traces', 'metrics', 'logs']) expect(classes(e, s)).toEqual([`${HTTP}:otlp`]);
      expect(e.exporters!.logs![0]!.endpoint).toBe('http://localhost:4318/v1/logs'); // the SDK's default for HTTP
    },
  ],
  [
    'a signal protocol wins over the generic one',
    { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/protobuf' },
    (e) => {
      expect(classes(e, 'logs')).toEqual([`${HTTP}:otlp`]);
      expect(classes(e, 'traces')).toEqual([`${GRPC}:otlp`]);
    },
  ],
  [
    'OTEL_{TRACES,METRICS,LOGS}_EXPORTER',
    { OTEL_TRACES_EXPORTER: 'console', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'console,otlp' },
    (e) => {
      expect(e.exporters!.traces!.map((x) => x.kind)).toEqual(['console']);
      expect(e.exporters!.metrics).toEqual([]);
      expect(e.exporters!.logs!.map((x) => x.kind)).toEqual(['console', 'otlp']);
    },
  ],
  [
    'OTEL_TRACES_SAMPLER_ARG alone replaces the ratio',
    { OTEL_TRACES_SAMPLER_ARG: '0.25' },
    (e) => expect(e.sampler).toMatch(/^ParentBased\{root:TraceIdRatioBased\{0.25\}/),
  ],
  [
    'OTEL_TRACES_SAMPLER replaces the sampler',
    { OTEL_TRACES_SAMPLER: 'always_off' },
    (e) => expect(e.sampler).toBe('AlwaysOffSampler'),
  ],
  [
    'OTEL_SERVICE_NAME over service.name in OTEL_RESOURCE_ATTRIBUTES',
    { OTEL_SERVICE_NAME: 'a', OTEL_RESOURCE_ATTRIBUTES: 'service.name=b,deployment.environment.name=staging' },
    (e) => {
      expect(e.resource).toMatchObject({ 'service.name': 'a', 'deployment.environment.name': 'staging' });
    },
  ],
  [
    'a signal endpoint wins over the generic one',
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4317', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4317' },
    (e) => {
      expect(e.exporters!.traces![0]!.endpoint).toBe('traces:4317');
      expect(e.exporters!.metrics![0]!.endpoint).toBe('generic:4317');
    },
  ],
  [
    'OTEL_BSP_* and OTEL_BLRP_* over the generated batch settings',
    { OTEL_BSP_SCHEDULE_DELAY: '250', OTEL_BLRP_MAX_QUEUE_SIZE: '64', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '32' },
    (e) => {
      expect(e.batch!.traces[0]).toMatchObject({ schedule_delay_millis: 250 });
      expect(e.batch!.logs[0]).toMatchObject({
        max_queue_size: 64,
        max_export_batch_size: 32,
        schedule_delay_millis: 5000,
      });
    },
  ],
  [
    'OTEL_METRIC_EXPORT_INTERVAL',
    { OTEL_METRIC_EXPORT_INTERVAL: '1500' },
    (e) => expect(e.metric_export_interval_millis).toEqual([1500]),
  ],
];

// os._exit: no exit-time flush towards the (unreachable) endpoints of the table.
const PROBE =
  'import json, os; from app import telemetry; print(json.dumps(telemetry.effective_config(), default=str), flush=True); os._exit(0)';

// The Python telemetry module's conformance; a Node service's defaults are checked by its own otel-config test.
describe.each(PYTHON_FRAMEWORKS.map((f) => f.name))('configuration conformance, %s', (framework) => {
  let dir: string;
  beforeAll(async () => {
    dir = path.join(root, `conf-${framework}`);
    const r = await runCli(
      [
        dir,
        '--yes',
        '--json',
        '--no-smoke',
        '--framework',
        framework,
        '--service-name',
        'conf',
        '--environment',
        'e2e',
        '--sampler-ratio',
        '0.5',
        '--endpoint',
        'collector.example:4317',
        '--insecure',
      ],
      { cwd: root, timeoutMs: 570_000 },
    );
    expect(r.code, r.stderr).toBe(0);
  }, 600_000);

  it.each(TABLE)('%s', (_name, env, expectEffective) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
    const out = execFileSync(path.join(dir, '.venv', 'bin', 'python'), ['-c', PROBE], {
      cwd: dir,
      env: { ...clean, ...env, OTEL_EXPORTER_OTLP_TIMEOUT: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expectEffective(JSON.parse(out.trim().split('\n').pop()!) as Effective);
  });
});
