/**
 * Static checks of the generated deployment files (no Docker engine runs here): what makes a container
 * stop gracefully, run unprivileged, and ship spans through a tail-sampling collector.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PYTHON_FRAMEWORKS } from '../../src/catalog/frameworks/index.js';
import { parseServiceOptions } from '../../src/options/schema.js';
import { plan } from '../../src/generate/plan.js';
import { runtimeOf } from '../../src/runtimes/index.js';
import { REPO_ROOT } from '../support/helpers.js';

const COLLECTOR_MANIFEST = path.join(REPO_ROOT, 'test', 'collector', 'builder-config.yaml');

const planOf = (o: Parameters<typeof plan>[0]) => plan(o, runtimeOf(o.framework));

type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function instructions(dockerfile: string): { op: string; args: string }[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

const DEPRECATED_EXPORTERS = ['otlp', 'otlphttp', 'loadbalancing', 'logging'];

/** Every component a pipeline names is defined, and no exporter goes by a deprecated alias. */
function expectCurrentComponents(config: Yaml): void {
  for (const [name, pipeline] of Object.entries(config.service.pipelines as Record<string, Yaml>)) {
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      for (const id of (pipeline[kind] ?? []) as string[])
        expect(config[kind]?.[id], `${name}: ${kind} ${id}`).toBeDefined();
    }
  }
  for (const id of Object.keys(config.exporters)) expect(DEPRECATED_EXPORTERS, id).not.toContain(id.split('/')[0]);
}

describe.each(PYTHON_FRAMEWORKS.map((f) => f.name))('%s deployment files', (framework) => {
  const p = planOf(
    parseServiceOptions({ serviceName: 'svc $HOME "x"', framework, resourceAttributes: { team: 'a$b' } }),
  );
  const file = (name: string) => {
    const found = p.files.find((f) => f.path === name);
    if (!found) throw new Error(`${name} not generated`);
    return found.content;
  };

  it('Dockerfile: pinned base, non-root, SIGTERM, exec-form command equal to the descriptor', () => {
    const ins = instructions(file('Dockerfile'));
    const from = ins.find((i) => i.op === 'FROM')!.args;
    expect(from).toMatch(/^python:\d+\.\d+(\.\d+)?-slim/);
    const user = ins.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(ins.find((i) => i.op === 'STOPSIGNAL')?.args ?? 'SIGTERM').toBe('SIGTERM');
    const cmd = ins.filter((i) => i.op === 'CMD').at(-1)!.args;
    // Exec form (a JSON array), so the server is PID 1 and receives SIGTERM itself.
    const argv = JSON.parse(cmd) as string[];
    expect(argv).toEqual(p.framework.serverCommand({ host: '0.0.0.0', port: 8000 }));
    expect(argv.join(' ')).not.toContain('opentelemetry-instrument');
    // No user-typed value reaches the Dockerfile.
    expect(file('Dockerfile')).not.toContain('svc $HOME');
  });

  it('compose: the service, a pinned contrib collector and Jaeger, with a stop grace period', () => {
    const compose = parseYaml(file('compose.yaml')) as Yaml;
    const services = compose.services as Yaml;
    const images = Object.values(services)
      .map((s: Yaml) => s.image)
      .filter(Boolean) as string[];
    const collector = images.find((i) => i.startsWith('otel/opentelemetry-collector-contrib:'));
    const jaeger = images.find((i) => i.startsWith('jaegertracing/'));
    expect(collector).toBeDefined();
    expect(jaeger).toBeDefined();
    for (const image of images) expect(image).not.toMatch(/:latest$|^[^:]+$/);
    const app = Object.values(services).find((s: Yaml) => s.build) as Yaml;
    expect(app).toBeDefined();
    expect(app.stop_grace_period).toMatch(/^\d+s$/);
    expect(parseInt(app.stop_grace_period, 10)).toBeGreaterThan(20);
    const env = JSON.stringify(app.environment ?? {});
    expect(env).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(env).not.toMatch(/HEADERS|TOKEN|API_KEY/i);
  });

  it('collector config: OTLP in, tail sampling keeps errors and slow traces', () => {
    const config = parseYaml(file('otel-collector-config.yaml')) as Yaml;
    expect(config.receivers.otlp.protocols.grpc).toBeDefined();
    expect(config.receivers.otlp.protocols.http).toBeDefined();
    const policies = config.processors.tail_sampling.policies as Yaml[];
    expect(policies.some((p) => p.type === 'status_code' && p.status_code.status_codes.includes('ERROR'))).toBe(true);
    expect(policies.some((p) => p.type === 'latency' && p.latency.threshold_ms > 0)).toBe(true);
    const pipelines = Object.values(config.service.pipelines) as Yaml[];
    expect(pipelines.some((pl) => pl.processors.includes('tail_sampling') && pl.receivers.includes('otlp'))).toBe(true);
    // Every signal the service sends has a pipeline fed by the OTLP receiver.
    for (const signal of ['traces', 'metrics', 'logs'])
      expect(config.service.pipelines[signal]?.receivers).toContain('otlp');
    expectCurrentComponents(config);
  });

  it('compose pins the collector release the network tier runs the generated configs on', () => {
    const compose = parseYaml(file('compose.yaml')) as Yaml;
    const image = (Object.values(compose.services) as Yaml[])
      .map((s) => s.image as string)
      .find((i) => i?.startsWith('otel/opentelemetry-collector-contrib:'))!;
    // test/collector/builder-config.yaml: the Collector test/deploy/collector.e2e.test.ts builds and runs.
    const manifest = parseYaml(readFileSync(COLLECTOR_MANIFEST, 'utf8')) as Yaml;
    const release = String(manifest.dist.version);
    expect(image).toBe(`otel/opentelemetry-collector-contrib:${release}`);
    const modules = ['receivers', 'processors', 'exporters', 'extensions'].flatMap((k) =>
      (manifest[k] as { gomod: string }[]).map((c) => c.gomod),
    );
    for (const gomod of modules) expect(gomod).toMatch(new RegExp(` v${release.replace(/\./g, '\\.')}$`));
  });

  it('two-tier layout: load balancers route spans by trace ID to tail-sampling gateways', () => {
    const lb = parseYaml(file('deploy/two-tier/load-balancer.yaml')) as Yaml;
    const gw = parseYaml(file('deploy/two-tier/tail-sampling-gateway.yaml')) as Yaml;
    expectCurrentComponents(lb);
    expectCurrentComponents(gw);
    expect(lb.exporters.load_balancing.routing_key).toBe('traceID');
    expect(lb.service.pipelines.traces.exporters).toEqual(['load_balancing']);
    expect(lb.service.pipelines.traces.processors).not.toContain('tail_sampling'); // decided only where whole traces are
    // The gateways listen where the load balancer sends (its resolver's port).
    const port = lb.exporters.load_balancing.resolver.dns.port as string;
    expect(gw.receivers.otlp.protocols.grpc.endpoint).toBe(`0.0.0.0:${port}`);
    expect(gw.service.pipelines.traces.processors).toContain('tail_sampling');
    const policies = gw.processors.tail_sampling.policies as Yaml[];
    expect(policies.some((p) => p.type === 'status_code')).toBe(true);
  });

  it('no file holds a secret or turns TLS off outside the compose network', () => {
    for (const f of p.files) {
      expect(f.content, f.path).not.toMatch(/(authorization|api[-_]?key|password|token)\s*[:=]\s*["'][^"'$]/i);
    }
    // TLS unless --insecure: the default endpoint's scheme decides, as the OTLP specification says.
    expect(file('app/telemetry.py')).toMatch(/DEFAULT_ENDPOINT = "https:\/\//);
  });
});
