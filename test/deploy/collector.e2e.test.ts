/**
 * The deploy path on a real OpenTelemetry Collector (the release compose.yaml pins, built from
 * test/collector/builder-config.yaml): every Collector config we generate passes `otelcol validate`;
 * generated FastAPI and Express services send through the generated otel-collector-config.yaml to our
 * receiver, and tail sampling keeps what the README promises; and the two-tier layout routes each trace to
 * one gateway.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_FRAMEWORKS } from '../../src/catalog/frameworks/index.js';
import { plan } from '../../src/generate/plan.js';
import { parseServiceOptions } from '../../src/options/schema.js';
import { type Receiver, startReceiver } from '../../src/receiver/index.js';
import { runtimeOf } from '../../src/runtimes/index.js';
import {
  collectorBinary,
  freePort,
  onLoopback,
  type RunningCollector,
  readYaml,
  startCollector,
  validateConfig,
} from '../support/collector.js';
import { scratchDir } from '../support/helpers.js';
import {
  byTrace,
  EXPRESS,
  FASTAPI,
  type Flavour,
  generateService,
  newTraceId,
  startService,
  waitForTraces,
} from '../support/traced-service.js';

const CONFIGS = [
  'otel-collector-config.yaml',
  'deploy/two-tier/load-balancer.yaml',
  'deploy/two-tier/tail-sampling-gateway.yaml',
] as const;

const root = scratchDir('cts-e2e-collector-');
let otelcol: string;

beforeAll(() => {
  // Minutes on a machine that has never built it (CI builds it before the suite: .ci/run), else instant.
  otelcol = collectorBinary();
}, 1_200_000);

describe('otelcol validate', () => {
  // Every framework, both signal choices, TLS on and off: each distinct file a generated project can hold.
  const generated = new Map<string, { content: string; cases: string[] }>();
  for (const framework of ALL_FRAMEWORKS.map((f) => f.name))
    for (const signals of [['traces'], ['traces', 'metrics', 'logs']])
      for (const insecure of [false, true]) {
        const options = parseServiceOptions({ serviceName: 'svc', framework, signals, insecure });
        const files = plan(options, runtimeOf(options.framework)).files;
        for (const name of CONFIGS) {
          const file = files.find((f) => f.path === name);
          if (!file) throw new Error(`${framework}: ${name} not generated`);
          const key = `${name}\0${file.content}`;
          const entry = generated.get(key) ?? { content: file.content, cases: [] };
          entry.cases.push(`${framework} ${signals.join(',')} ${insecure ? 'insecure' : 'tls'}`);
          generated.set(key, entry);
        }
      }

  it('the test Collector holds exactly the components the generated configs name', () => {
    const named = new Set<string>();
    for (const { content } of generated.values()) {
      const config = readYaml(content);
      for (const kind of ['receivers', 'processors', 'exporters', 'extensions'])
        for (const id of Object.keys(config[kind] ?? {})) named.add(`${kind} ${id.split('/')[0]}`);
    }
    const built = readYaml(execFileSync(otelcol, ['components'], { encoding: 'utf8' }));
    const held = ['receivers', 'processors', 'exporters', 'extensions'].flatMap((kind) =>
      ((built[kind] ?? []) as { name: string }[]).map((c) => `${kind} ${c.name}`),
    );
    expect(held.sort()).toEqual([...named].sort());
  });

  it.each(CONFIGS)('%s: every generated variant is a config the Collector accepts', (name) => {
    const variants = [...generated].filter(([key]) => key.startsWith(`${name}\0`));
    expect(variants.length).toBeGreaterThan(0);
    variants.forEach(([, { content, cases }], i) => {
      const file = path.join(root, `${name.replace(/\//g, '_')}.${i}.yaml`);
      writeFileSync(file, content);
      const { code, output } = validateConfig(otelcol, file);
      expect(code, `${name} as generated for ${cases.join('; ')}:\n${output}`).toBe(0);
    });
  });
});

/**
 * Through the project's own otel-collector-config.yaml (on loopback, its exporter pointed at our receiver):
 * twelve fast requests, then a slow one and a failing one, each a trace of its own.
 */
function singleCollectorSuite(flavour: Flavour) {
  describe(`${flavour.framework} service → the generated Collector config → our receiver`, () => {
    let dir: string;
    let receiver: Receiver | undefined;
    let collector: RunningCollector | undefined;
    beforeAll(async () => {
      dir = await generateService(root, flavour);
    }, 600_000);
    afterAll(async () => {
      await collector?.stop();
      await receiver?.close();
    });

    it('tail sampling keeps the error and the slow request, whole, and drops some of the fast ones', async () => {
      receiver = await startReceiver();
      const config = readYaml(readFileSync(path.join(dir, 'otel-collector-config.yaml'), 'utf8'));
      const grpc = await freePort();
      const loopback = await onLoopback(config, { grpc }, `127.0.0.1:${receiver.grpcPort}`);
      collector = await startCollector(otelcol, loopback, path.join(root, `${flavour.framework}-collector.yaml`));
      const service = await startService(flavour, dir, `127.0.0.1:${grpc}`);
      // Fast ones first, so their sampling decisions are due no later than the error's.
      const fast = Array.from({ length: 12 }, newTraceId);
      for (const [i, id] of fast.entries()) expect(await service.get(`/process/item-${i}`, id)).toBe(200);
      const slow = newTraceId();
      const error = newTraceId();
      expect(await service.get('/slow', slow)).toBe(200);
      expect(await service.get('/fail', error)).toBe(500);
      await service.stop();

      // The decision waits 10 s (decision_wait) after a trace's first span, then the batch up to 5 s.
      expect(await waitForTraces([receiver], [slow, error], 2, 40_000), collector.output()).toBe(true);
      await collector.stop(); // flushes the batch the kept fast traces may still be in
      const output = collector.output();
      collector = undefined;

      const traces = byTrace(receiver.spans);
      const errorSpans = traces.get(error)!;
      expect(errorSpans.map((s) => s.name).sort()).toEqual(['GET /fail', 'failing_step']);
      expect(errorSpans.some((s) => s.kind === 'SERVER' && s.status.code === 'ERROR')).toBe(true);
      expect(
        traces
          .get(slow)!
          .map((s) => s.name)
          .sort(),
      ).toEqual(['GET /slow', 'slow_step']);
      const keptFast = fast.filter((id) => traces.has(id));
      // 25 % of the rest on average (sample-the-rest): all twelve kept would mean no tail sampling at all.
      expect(keptFast.length).toBeLessThan(fast.length);
      for (const id of keptFast)
        expect(traces.get(id)!.map((s) => s.name)).toEqual(expect.arrayContaining(flavour.sample));
      expect(receiver.spans.every((s) => [...fast, slow, error].includes(s.traceId))).toBe(true);
      // The metrics and logs pipelines end in the debug exporter, which logs what it got.
      expect(output).toMatch(/"otelcol.signal": "metrics"/);
      expect(output).toMatch(/"otelcol.signal": "logs"/);
    }, 90_000);
  });
}

singleCollectorSuite(FASTAPI);
singleCollectorSuite(EXPRESS);

describe('two tiers: load balancer → two tail-sampling gateways → our receivers', () => {
  let dir: string;
  const receivers: Receiver[] = [];
  const collectors: RunningCollector[] = [];
  beforeAll(async () => {
    // The FastAPI project the suite above generated, or a new one when only this test runs.
    dir = path.join(root, `svc-${FASTAPI.framework}`);
    if (!existsSync(dir)) dir = await generateService(root, FASTAPI);
  }, 600_000);
  afterAll(async () => {
    for (const c of collectors) await c.stop();
    for (const r of receivers) await r.close();
  });

  it('every span of a trace, sent in separate requests, lands on one gateway; both gateways get traces', async () => {
    const file = (name: string) => readYaml(readFileSync(path.join(dir, 'deploy', 'two-tier', name), 'utf8'));
    // Each gateway sends to a receiver of its own, so where a span arrives says which gateway kept it.
    const [a, b, metrics] = await Promise.all([startReceiver(), startReceiver(), startReceiver()]);
    receivers.push(a, b, metrics);
    const gateways = [await freePort(), await freePort()];
    const gateway = file('tail-sampling-gateway.yaml');
    for (const [i, backend] of [a, b].entries()) {
      const config = await onLoopback(gateway, { grpc: gateways[i]! }, `127.0.0.1:${backend.grpcPort}`);
      collectors.push(await startCollector(otelcol, config, path.join(root, `gateway-${i}.yaml`)));
    }
    const lbPort = await freePort();
    const lb = await onLoopback(file('load-balancer.yaml'), { grpc: lbPort }, `127.0.0.1:${metrics.grpcPort}`);
    // The generated DNS resolver finds the gateways by one name and one port; on loopback they differ by port.
    lb.exporters.load_balancing.resolver = { static: { hostnames: gateways.map((p) => `127.0.0.1:${p}`) } };
    collectors.push(await startCollector(otelcol, lb, path.join(root, 'load-balancer.yaml')));

    const service = await startService(FASTAPI, dir, `127.0.0.1:${lbPort}`);
    // Failing requests, which the gateways keep (keep-errors); two per trace, so a trace's spans arrive in
    // separate exports and still have to meet on one gateway.
    const ids = Array.from({ length: 16 }, newTraceId);
    for (const id of ids) for (let n = 0; n < 2; n++) expect(await service.get('/fail', id)).toBe(500);
    await service.stop();

    await waitForTraces([a, b], ids, 4, 40_000);
    const outputs = collectors.map((c) => c.output()).join('\n');
    const onA = byTrace(a.spans);
    const onB = byTrace(b.spans);
    for (const id of ids) {
      const spans = [...(onA.get(id) ?? []), ...(onB.get(id) ?? [])];
      expect(spans.map((s) => s.name).sort(), outputs).toEqual([
        'GET /fail',
        'GET /fail',
        'failing_step',
        'failing_step',
      ]);
      expect(onA.has(id) !== onB.has(id), `trace ${id} split between the gateways`).toBe(true);
    }
    // Sixteen traces hashed over two gateways: both get some (all on one: 2 in 65536).
    expect(onA.size).toBeGreaterThan(0);
    expect(onB.size).toBeGreaterThan(0);
  }, 90_000);
});
