/**
 * A real OpenTelemetry Collector for the tests (built by scripts/otelcol.mjs from
 * test/collector/builder-config.yaml, or CTS_OTELCOL): validate a config, or run one on loopback ports
 * with its exporters pointed at the tests' own OTLP receivers.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { REPO_ROOT } from './helpers.js';

export type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The Collector binary: CTS_OTELCOL, else the cached build (built first if absent, which takes minutes). */
export function collectorBinary(): string {
  if (process.env.CTS_OTELCOL) return process.env.CTS_OTELCOL;
  const script = path.join(REPO_ROOT, 'scripts', 'otelcol.mjs');
  const bin = execFileSync(process.execPath, [script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  process.env.CTS_OTELCOL = bin;
  return bin;
}

/** `otelcol validate --config file`: the exit code and what it printed. */
export function validateConfig(bin: string, file: string): { code: number | null; output: string } {
  const r = spawnSync(bin, ['validate', `--config=${file}`], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

/** A port free on 127.0.0.1 right now (the OS picks it; it is closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const readYaml = (text: string): Yaml => parseYaml(text) as Yaml;

/**
 * What a generated config needs to run here and nowhere else: every listener on 127.0.0.1 (OTLP on the
 * given ports, the health check on a free one), every otlp_grpc exporter sending in plaintext to
 * `backend` (host:port), and the Collector's own metrics off (their default port would clash between
 * Collectors run side by side). Pipelines, processors and sampling policies are left as generated.
 */
export async function onLoopback(config: Yaml, otlp: { grpc: number; http?: number }, backend: string): Promise<Yaml> {
  const out = structuredClone(config);
  const protocols = out.receivers.otlp.protocols as Yaml;
  protocols.grpc.endpoint = `127.0.0.1:${otlp.grpc}`;
  if (protocols.http) protocols.http.endpoint = `127.0.0.1:${otlp.http ?? (await freePort())}`;
  for (const [id, exporter] of Object.entries(out.exporters as Yaml)) {
    if (id.split('/')[0] !== 'otlp_grpc') continue;
    exporter.endpoint = backend;
    exporter.tls = { insecure: true };
  }
  if (out.extensions?.health_check) out.extensions.health_check.endpoint = `127.0.0.1:${await freePort()}`;
  out.service.telemetry = { metrics: { level: 'none' } };
  return out;
}

export interface RunningCollector {
  /** Everything the Collector logged so far (the debug exporter logs there too). */
  output(): string;
  /** SIGTERM, and wait for it to exit (it flushes what its pipelines hold first). */
  stop(): Promise<void>;
}

/** Starts `bin` on `config` (written to `file`), resolved once the Collector says it is ready. */
export async function startCollector(bin: string, config: Yaml, file: string): Promise<RunningCollector> {
  writeFileSync(file, stringify(config));
  const child: ChildProcess = spawn(bin, [`--config=${file}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Collector not ready within 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Everything is ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Collector exited (${code}) before it was ready:\n${output}`));
    });
  });
  return {
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
