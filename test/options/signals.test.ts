import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OptionsError, parseServiceOptions } from '../../src/options/schema.js';
import { plan } from '../../src/generate/plan.js';
import { runtimeOf } from '../../src/runtimes/index.js';

const planOf = (o: Parameters<typeof plan>[0]) => plan(o, runtimeOf(o.framework));
import { runCli, scratchDir } from '../support/helpers.js';

describe('--signals', () => {
  it('defaults to all three, in canonical order, and accepts any subset', () => {
    expect(parseServiceOptions({ serviceName: 's' }).signals).toEqual(['traces', 'metrics', 'logs']);
    expect(parseServiceOptions({ serviceName: 's', signals: 'logs, TRACES,logs' }).signals).toEqual(['traces', 'logs']);
    expect(parseServiceOptions({ serviceName: 's', signals: ['metrics'] }).signals).toEqual(['metrics']);
  });

  it.each([['foo'], [''], [[]]])('rejects %j with one line naming the flag', (value) => {
    expect(() => parseServiceOptions({ serviceName: 's', signals: value })).toThrow(OptionsError);
    expect(() => parseServiceOptions({ serviceName: 's', signals: value })).toThrow(/^--signals: /);
  });

  it('signals left out default to the none exporter, which the environment can still switch on', () => {
    const telemetry = planOf(parseServiceOptions({ serviceName: 's', signals: 'traces' })).files.find(
      (f) => f.path === 'app/telemetry.py',
    )!.content;
    expect(telemetry).toContain('"OTEL_TRACES_EXPORTER": "otlp"');
    expect(telemetry).toContain('"OTEL_METRICS_EXPORTER": "none"');
    expect(telemetry).toContain('"OTEL_LOGS_EXPORTER": "none"');
  });

  it('a bad value on the command line: exit 2, nothing written', async () => {
    const cwd = scratchDir();
    const r = await runCli(['svc', '--yes', '--no-install', '--signals', 'traces,profiles'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^error: --signals: must be a comma-separated list of: traces, metrics, logs$/);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
