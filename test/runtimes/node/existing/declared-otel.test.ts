// OpenTelemetry packages a service declares already: aligned with the matched set or refused before writing; npm's ERESOLVE in words.
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { updateLockfile } from '../../../../src/runtimes/node/existing/install.js';
import { npmConflict } from '../../../../src/runtimes/node/existing/npm-conflict.js';
import { planNodeChanges } from '../../../../src/runtimes/node/existing/changes.js';
import { analyseNodeProject } from '../../../../src/runtimes/node/existing/project.js';
import { parseServiceOptions } from '../../../../src/options/schema.js';
import { scratchDir } from '../../../support/helpers.js';

const expressOptions = () => parseServiceOptions({ serviceName: 'orders-api', framework: 'express' });

/** The express-cjs fixture with `deps`/`devDeps` added to its package.json. */
function serviceWith(deps: Record<string, string>, devDeps?: Record<string, string>): string {
  const dir = path.join(scratchDir('cts-node-otel-'), 'svc');
  cpSync(path.resolve('test/fixtures/existing-node/express-cjs'), dir, { recursive: true });
  const file = path.join(dir, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  Object.assign(pkg.dependencies, deps);
  if (devDeps) pkg.devDependencies = devDeps;
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  return dir;
}

function plan(dir: string) {
  return planNodeChanges(analyseNodeProject(dir), expressOptions(), undefined);
}

describe('OpenTelemetry packages the service declares already', () => {
  it('moves each one released with the set to its version, where it is declared, and names the move', () => {
    const dir = serviceWith(
      {
        '@opentelemetry/api': '^1.4.1',
        '@opentelemetry/sdk-metrics': '^1.7.0',
        '@opentelemetry/exporter-trace-otlp-http': '^0.34.0',
      },
      { '@opentelemetry/context-async-hooks': '~1.7.0', '@opentelemetry/core': '^1.7.0', vitest: '^3.0.0' },
    );
    const p = plan(dir);
    const change = p.changes.find((c) => c.path === 'package.json')!;
    const pkg = JSON.parse(change.after);
    expect(pkg.dependencies).toMatchObject({
      '@opentelemetry/api': '1.10.0',
      '@opentelemetry/sdk-metrics': '3.0.0',
      '@opentelemetry/exporter-trace-otlp-http': '0.300.0',
      '@opentelemetry/core': '3.0.0',
    });
    // A test-only package stays a dev dependency, at the set's version.
    expect(pkg.devDependencies).toEqual({ '@opentelemetry/context-async-hooks': '3.0.0', vitest: '^3.0.0' });
    expect(change.summary).toEqual(
      expect.arrayContaining([
        '@opentelemetry/api ^1.4.1 -> 1.10.0',
        '@opentelemetry/sdk-metrics ^1.7.0 -> 3.0.0',
        '@opentelemetry/exporter-trace-otlp-http ^0.34.0 -> 0.300.0',
        '@opentelemetry/context-async-hooks ~1.7.0 -> 3.0.0 (devDependencies)',
        '@opentelemetry/core ^1.7.0 -> 3.0.0 (devDependencies -> dependencies)',
      ]),
    );
    // Planning again on the result: nothing left to align.
    for (const c of p.changes) writeFileSync(path.join(dir, c.path), c.after);
    const answers = readFileSync(path.join(dir, '.create-traced-service.json'), 'utf8');
    expect(planNodeChanges(analyseNodeProject(dir), expressOptions(), answers).changes).toEqual([]);
  });

  it('aligns @fastify/otel and overrides what it declares', () => {
    const p = plan(serviceWith({ '@fastify/otel': '^0.5.0' }));
    const pkg = JSON.parse(p.changes.find((c) => c.path === 'package.json')!.after);
    expect(pkg.dependencies['@fastify/otel']).toBe('0.21.2');
    expect(pkg.overrides['@fastify/otel']).toEqual({
      '@opentelemetry/core': '3.0.0',
      '@opentelemetry/instrumentation': '0.300.0',
    });
  });

  it('refuses, before anything is written, a package with no release in the set: package, range and set named', () => {
    const refusal = (deps: Record<string, string>, dev?: Record<string, string>) => {
      try {
        plan(serviceWith(deps, dev));
      } catch (error) {
        return (error as Error).message;
      }
      return 'no refusal';
    };
    expect(refusal({ '@opentelemetry/sdk-trace-base': '^1.7.0', '@opentelemetry/api': '^1.3.0' })).toMatch(
      /^package\.json declares @opentelemetry\/sdk-trace-base \^1\.7\.0 \(@opentelemetry\/sdk-trace 3\.0\.0 took its place\), which has no release in the OpenTelemetry JS 3\.0\.0\/0\.300\.0 set .* nothing was changed$/,
    );
    expect(refusal({}, { '@opentelemetry/instrumentation-pg': '^0.30.0' })).toMatch(
      /@opentelemetry\/instrumentation-pg \^0\.30\.0 \(devDependencies\), which has no release in the OpenTelemetry JS 3\.0\.0\/0\.300\.0 set/,
    );
  });

  it('leaves semantic-conventions alone: its own release line, constants only, no peer dependency', () => {
    const p = plan(serviceWith({ '@opentelemetry/semantic-conventions': '^1.8.0' }));
    const pkg = JSON.parse(p.changes.find((c) => c.path === 'package.json')!.after);
    expect(pkg.dependencies['@opentelemetry/semantic-conventions']).toBe('^1.8.0');
  });
});

describe('npm ERESOLVE output', () => {
  // What npm 10 prints for a peer dependency conflict (paths invented).
  const output = [
    'npm error code ERESOLVE',
    'npm error ERESOLVE unable to resolve dependency tree',
    'npm error',
    'npm error While resolving: ledger-svc@1.0.0',
    'npm error Found: @opentelemetry/api@1.10.0',
    'npm error node_modules/@opentelemetry/api',
    'npm error   @opentelemetry/api@"1.10.0" from the root project',
    'npm error',
    'npm error Could not resolve dependency:',
    'npm error peer @opentelemetry/api@">=1.0.0 <1.10.0" from @opentelemetry/sdk-trace-base@1.30.1',
    'npm error node_modules/@opentelemetry/sdk-trace-base',
    'npm error   @opentelemetry/sdk-trace-base@"^1.7.0" from the root project',
    'npm error',
    'npm error Fix the upstream dependency conflict, or retry this command with --force or --legacy-peer-deps to accept an incorrect (and potentially broken) dependency resolution.',
    'npm error',
    'npm error For a full report see:',
    'npm error /home/u/.npm/_logs/2026-01-01T00_00_00_000Z-eresolve-report.txt',
    'npm error A complete log of this run can be found in: /home/u/.npm/_logs/2026-01-01T00_00_00_000Z-debug-0.log',
  ].join('\n');

  it('names the two sides of the conflict', () => {
    expect(npmConflict(output)).toBe(
      'npm cannot resolve the dependency tree (ERESOLVE): @opentelemetry/api@1.10.0 is required by the root project ' +
        '(@opentelemetry/api@"1.10.0"), but @opentelemetry/sdk-trace-base@1.30.1 (the root project\'s ' +
        '@opentelemetry/sdk-trace-base@"^1.7.0") needs peer @opentelemetry/api@">=1.0.0 <1.10.0"',
    );
  });

  it('a conflicting peer dependency of something installed, and other failures', () => {
    const conflicting = output
      .replace('Could not resolve dependency:', 'Could not resolve dependency:')
      .replace(
        'npm error Fix the upstream',
        'npm error\nnpm error Conflicting peer dependency: @opentelemetry/api@1.9.0\nnpm error node_modules/@opentelemetry/api\nnpm error Fix the upstream',
      );
    expect(npmConflict(conflicting)).toMatch(/; npm would need @opentelemetry\/api@1\.9\.0$/);
    expect(npmConflict('npm error code E404\nnpm error 404 Not Found')).toBeUndefined();
    // Warnings about peers npm overrode are not the failure.
    const warned =
      'npm warn ERESOLVE overriding peer dependency\nnpm warn While resolving: a@1.0.0\nnpm warn Found: b@2.0.0\n';
    expect(npmConflict(`${warned}npm error Cannot read properties of null (reading 'matches')`)).toBeUndefined();
  });

  it('the lockfile step reports the conflict, not the path of the report', async () => {
    const dir = serviceWith({});
    // An npm that answers --version and fails every install with the report above.
    const bin = path.join(scratchDir('cts-fake-npm-'), 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(dir, 'eresolve.txt'), output);
    writeFileSync(
      path.join(bin, 'npm'),
      `#!/bin/sh\nif [ "$1" = "--version" ]; then echo 10.9.0; exit 0; fi\ncat eresolve.txt >&2\nexit 1\n`,
    );
    chmodSync(path.join(bin, 'npm'), 0o755);
    const lock = await updateLockfile(dir, analyseNodeProject(dir), {
      command: 'node',
      version: '22.15.0',
      binDir: bin,
    });
    expect(lock?.outcome).toBe('failed');
    expect(lock?.detail).toContain('@opentelemetry/sdk-trace-base@1.30.1');
    expect(lock?.detail).not.toContain('eresolve-report.txt');
  });
});
