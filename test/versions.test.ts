import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FRAMEWORKS } from '../src/frameworks/index.js';
import { parseServiceOptions } from '../src/options.js';
import { runtimePackages } from '../src/plan.js';
import { contribLineFor, isMatchedPair, OTEL_LINES } from '../src/versions.js';
import { scratchDir } from './helpers.js';

describe('pinned OpenTelemetry sets', () => {
  it.each(Object.entries(OTEL_LINES))('%s pairs SDK %o with its contrib release (0.(N+21)bX)', (name, line) => {
    expect(line.sdk.startsWith(`${name}.`)).toBe(true);
    expect(isMatchedPair(line.sdk, line.contrib)).toBe(true);
    // A line's earlier patch, for instrumentations missing from its latest contrib release, pairs too.
    if ('previousPatch' in line) {
      expect(line.previousPatch.sdk.startsWith(`${name}.`)).toBe(true);
      expect(isMatchedPair(line.previousPatch.sdk, line.previousPatch.contrib)).toBe(true);
    }
  });

  it('the rule rejects a mismatched pair', () => {
    expect(contribLineFor('1.45.2')).toBe('0.66');
    expect(isMatchedPair('1.45.2', '0.65b0')).toBe(false);
  });

  const uv = spawnSync('uv', ['--version']).status === 0;

  // Resolution against the real index: a pin that does not exist, or a set whose packages' own
  // requirements conflict, fails here rather than in a user's install.
  it.each(Object.keys(OTEL_LINES).flatMap((line) => FRAMEWORKS.map((f) => [line, f.name] as const)))(
    'line %s with %s resolves from the package index',
    (line, framework) => {
      const dir = scratchDir('cts-resolve-');
      const pins = [
        ...runtimePackages(parseServiceOptions({ serviceName: 'x', framework, otelVersion: line, exporter: 'otlp-grpc' })),
        ...runtimePackages(parseServiceOptions({ serviceName: 'x', framework, otelVersion: line, exporter: 'otlp-http' })),
      ];
      const requirements = path.join(dir, 'requirements.txt');
      writeFileSync(requirements, [...new Set(pins.map((p) => `${p.name}==${p.version}`))].join('\n'));
      const result = uv
        ? spawnSync('uv', ['pip', 'compile', '--quiet', '--python-version', '3.11', requirements], { encoding: 'utf8', timeout: 240_000 })
        : spawnSync('python3', ['-m', 'pip', 'install', '--dry-run', '--ignore-installed', '--quiet', '-r', requirements], { encoding: 'utf8', timeout: 240_000 });
      expect(result.stderr + (result.error?.message ?? '')).not.toMatch(/error|conflict/i);
      expect(result.status).toBe(0);
    },
    300_000,
  );
});

