import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON_FRAMEWORKS } from '../../src/catalog/frameworks/index.js';
import { parseServiceOptions } from '../../src/options/schema.js';
import { runtimePackages } from '../../src/runtimes/python/templates.js';
import { OTEL_LINES } from '../../src/catalog/python-sets.js';
import { scratchDir } from '../support/helpers.js';

describe('pinned OpenTelemetry sets against PyPI', () => {
  const uv = spawnSync('uv', ['--version']).status === 0;

  // Resolution against the real index: a pin that does not exist, or a set whose packages' own
  // requirements conflict, fails here rather than in a user's install.
  it.each(Object.keys(OTEL_LINES).flatMap((line) => PYTHON_FRAMEWORKS.map((f) => [line, f.name] as const)))(
    'line %s with %s resolves from the package index',
    (line, framework) => {
      const dir = scratchDir('cts-resolve-');
      const pins = [
        ...runtimePackages(
          parseServiceOptions({ serviceName: 'x', framework, otelVersion: line, exporter: 'otlp-grpc' }),
        ),
        ...runtimePackages(
          parseServiceOptions({ serviceName: 'x', framework, otelVersion: line, exporter: 'otlp-http' }),
        ),
      ];
      const requirements = path.join(dir, 'requirements.txt');
      writeFileSync(requirements, [...new Set(pins.map((p) => `${p.name}==${p.version}`))].join('\n'));
      const result = uv
        ? spawnSync('uv', ['pip', 'compile', '--quiet', '--python-version', '3.11', requirements], {
            encoding: 'utf8',
            timeout: 240_000,
          })
        : spawnSync(
            'python3',
            ['-m', 'pip', 'install', '--dry-run', '--ignore-installed', '--quiet', '-r', requirements],
            { encoding: 'utf8', timeout: 240_000 },
          );
      expect(result.stderr + (result.error?.message ?? '')).not.toMatch(/error|conflict/i);
      expect(result.status).toBe(0);
    },
    300_000,
  );
});
