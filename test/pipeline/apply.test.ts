import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyChanges, checkWritable } from '../../src/pipeline/apply.js';
import { detectProject } from '../../src/runtimes/python/existing/detect.js';
import { planChanges, type PatchInputs } from '../../src/runtimes/python/existing/patch.js';
import { renderTelemetryModule } from '../../src/runtimes/python/existing/telemetry-module.js';
import { UsageError } from '../../src/core/errors.js';
import { fastapi } from '../../src/catalog/frameworks/fastapi.js';
import { parseServiceOptions } from '../../src/options/schema.js';
import { corePackages, otelLine } from '../../src/catalog/python-sets.js';
import { runCli, scratchDir } from '../support/helpers.js';
import { changedFiles, committedCopy, removeScratch, snapshot } from '../support/add-tracing.js';
import { afterAll } from 'vitest';

afterAll(removeScratch);

const line = otelLine('1.45');
const options = parseServiceOptions({ serviceName: 'svc' });
const inputs: PatchInputs = {
  renderTelemetry: (p) => renderTelemetryModule(options, p, 'x.main'),
  line,
  lineName: '1.45',
  wanted: [...corePackages(line, 'otlp-grpc'), ...fastapi.packages(line)],
  frameworkDistributions: ['fastapi'],
  optionsChanged: false,
};

const plan = async (dir: string) => planChanges(await detectProject(dir), inputs).changes;

describe('writing: symlinks and files changed since the analysis', () => {
  it('a symlinked app module is edited at its target inside the project; the link stays a link', async () => {
    const dir = committedCopy('symlinked-main');
    const changes = await plan(dir);
    expect(changes.map((c) => c.path)).toContain('app/main.py');
    await checkWritable(dir, changes);
    await applyChanges(dir, changes);
    expect(lstatSync(path.join(dir, 'app', 'main.py')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(dir, 'shared', 'main.py'), 'utf8')).toContain('otel_telemetry.instrument_app(app)');
  });

  it('a symlink to a file outside the project is refused before anything is written', async () => {
    const outside = scratchDir('cts-outside-');
    writeFileSync(path.join(outside, 'main.py'), 'from fastapi import FastAPI\napp = FastAPI()\n');
    const dir = scratchDir('cts-link-');
    writeFileSync(path.join(dir, 'requirements.txt'), 'fastapi\n');
    symlinkSync(path.join(outside, 'main.py'), path.join(dir, 'main.py'));
    const before = snapshot(dir);
    const changes = await plan(dir);
    await expect(checkWritable(dir, changes)).rejects.toThrow(/main\.py is a symlink to .*outside the project/);
    await expect(applyChanges(dir, changes)).rejects.toBeInstanceOf(UsageError);
    expect(changedFiles(before, snapshot(dir))).toEqual([]);
    expect(readFileSync(path.join(outside, 'main.py'), 'utf8')).not.toContain('otel_telemetry');
  });

  it('a folder symlinked outside the project is refused', async () => {
    const outside = scratchDir('cts-outside-');
    mkdirSync(path.join(outside, 'pkg'));
    writeFileSync(path.join(outside, 'pkg', '__init__.py'), '');
    writeFileSync(path.join(outside, 'pkg', 'main.py'), 'from fastapi import FastAPI\napp = FastAPI()\n');
    const dir = scratchDir('cts-link-');
    writeFileSync(path.join(dir, 'requirements.txt'), 'fastapi\n');
    symlinkSync(path.join(outside, 'pkg'), path.join(dir, 'pkg'));
    // The analysis does not follow folder links; a change planned through one is refused all the same.
    const changes = [{ path: 'pkg/telemetry.py', before: null, after: '# telemetry\n', summary: [] }];
    await expect(applyChanges(dir, changes)).rejects.toThrow(/pkg leads outside the project/);
    expect(readdirSync(path.join(outside, 'pkg')).sort()).toEqual(['__init__.py', 'main.py']);
    expect(readFileSync(path.join(outside, 'pkg', 'main.py'), 'utf8')).not.toContain('otel_telemetry');
  });

  it('a file changed after the analysis is not overwritten, and what was written before it is restored', async () => {
    const dir = committedCopy('package-main');
    const changes = await plan(dir);
    const order = changes.map((c) => c.path);
    // The last file to be written changes under our feet.
    const last = changes.at(-1)!;
    expect(last.before).not.toBeNull();
    const before = snapshot(dir);
    writeFileSync(path.join(dir, last.path), `${last.before}# edited meanwhile\n`);
    const edited = snapshot(dir);
    await expect(applyChanges(dir, changes)).rejects.toThrow(
      new RegExp(`${last.path.replace('.', '\\.')} changed after the analysis`),
    );
    expect(changedFiles(edited, snapshot(dir))).toEqual([]);
    expect(changedFiles(before, edited)).toEqual([last.path]);
    expect(order.length).toBeGreaterThan(1);
  });
});

describe('the uncommitted-changes check sees through symlinks', () => {
  it('an uncommitted change in the target of a symlinked app module is refused (exit 2, nothing changed)', async () => {
    const dir = committedCopy('symlinked-main');
    writeFileSync(
      path.join(dir, 'shared', 'main.py'),
      `${readFileSync(path.join(dir, 'shared', 'main.py'), 'utf8')}# local edit\n`,
    );
    const before = snapshot(dir);
    const r = await runCli(['add-tracing', dir, '--yes', '--no-install']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/uncommitted changes in .*shared\/main\.py/);
    expect(changedFiles(before, snapshot(dir))).toEqual([]);
  });
});
