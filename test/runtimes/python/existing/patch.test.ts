import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectProject } from '../../../../src/runtimes/python/existing/detect.js';
import { diagnose } from '../../../../src/runtimes/python/existing/diagnose.js';
import { unifiedDiff } from '../../../../src/pipeline/diff.js';
import { planChanges, type PatchInputs } from '../../../../src/runtimes/python/existing/patch.js';
import { renderTelemetryModule } from '../../../../src/runtimes/python/existing/telemetry-module.js';
import { fastapi } from '../../../../src/catalog/frameworks/fastapi.js';
import { addTracingPackages } from '../../../../src/catalog/frameworks/index.js';
import { parseServiceOptions } from '../../../../src/options/schema.js';
import { corePackages, otelLine } from '../../../../src/catalog/python-sets.js';
import { REPO_ROOT, scratchDir } from '../../../support/helpers.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'existing');
const line = otelLine('1.45');
const options = parseServiceOptions({ serviceName: 'svc' });

const inputs = (over: Partial<PatchInputs> = {}): PatchInputs => ({
  renderTelemetry: (p) => renderTelemetryModule(options, p, 'x.main'),
  line,
  lineName: '1.45',
  wanted: [...corePackages(line, 'otlp-grpc'), ...addTracingPackages(fastapi, line)],
  frameworkDistributions: ['fastapi'],
  optionsChanged: false,
  ...over,
});

function copyFixture(name: string): string {
  const dir = path.join(scratchDir('cts-patch-'), name);
  cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

function write(dir: string, files: Record<string, string>): string {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

/** Plans, writes the plan, analyses again and plans again: the second plan must be empty. */
async function planTwice(dir: string) {
  const first = planChanges(await detectProject(dir), inputs());
  for (const c of first.changes) write(dir, { [c.path]: c.after });
  const again = await detectProject(dir);
  const second = planChanges(again, inputs());
  return { first, second, again };
}

describe('planChanges', () => {
  it.each([
    'single-file',
    'package-main',
    'factory',
    'lifespan',
    'events',
    'poetry',
    'requirements-only',
    'wrong-otel',
  ])('%s: inserts only, keeps every original line, and plans nothing the second time', async (name) => {
    const dir = copyFixture(name);
    const { first, second, again } = await planTwice(dir);
    expect(first.changes.length).toBeGreaterThan(0);
    expect(second.changes).toEqual([]);
    // The app module only gained lines (the two insertions), never lost or changed one.
    const appChange = first.changes.find((c) => c.path === again.selected!.file.path)!;
    const diff = unifiedDiff(appChange).split('\n');
    expect(diff.filter((l) => l.startsWith('-') && !l.startsWith('---'))).toEqual([]);
    expect(diff.filter((l) => l.startsWith('+') && !l.startsWith('+++'))).toHaveLength(2);
    // After the change the diagnosis has no error left.
    expect(diagnose(again).filter((f) => f.severity === 'error')).toEqual([]);
    expect(again.selected!.instrumented).toBe(true);
  });

  it('puts the import after the docstring and __future__ imports, the call right after a multi-line construction', async () => {
    const dir = copyFixture('lifespan');
    const plan = planChanges(await detectProject(dir), inputs());
    const after = plan.changes.find((c) => c.path === 'app/main.py')!.after.split('\n');
    expect(after.slice(0, 6)).toEqual([
      '"""Quotes API with a cache warmed up at start-up."""',
      '',
      'from __future__ import annotations',
      '',
      'from app import telemetry as otel_telemetry  # isort: skip',
      'import os',
    ]);
    const close = after.indexOf(')');
    expect(after[close + 1]).toBe(
      'otel_telemetry.instrument_app(app)  # create-traced-service: right after construction',
    );
    expect(plan.placement).toEqual({
      path: 'app/telemetry.py',
      importLine: 'from app import telemetry as otel_telemetry',
      module: 'app.telemetry',
    });
  });

  it('wraps `return FastAPI(...)`, keeping columns right after non-ASCII text', async () => {
    const dir = write(scratchDir('cts-patch-'), {
      'svc/__init__.py': '',
      'svc/factory.py':
        '# café\nfrom fastapi import FastAPI\n\n\ndef build():\n    x = "é"; return FastAPI(\n        title="ünï",\n    )  # trailing\n',
    });
    const { first, second } = await planTwice(dir);
    expect(first.changes.find((c) => c.path === 'svc/factory.py')!.after).toBe(
      '# café\nfrom svc import telemetry as otel_telemetry  # isort: skip\nfrom fastapi import FastAPI\n\n\ndef build():\n    x = "é"; return otel_telemetry.instrument_app(FastAPI(\n        title="ünï",\n    ))  # trailing\n',
    );
    expect(second.changes).toEqual([]);
  });

  it('creates requirements.txt when the project has no dependency file', async () => {
    const dir = write(scratchDir('cts-patch-'), { 'main.py': 'from fastapi import FastAPI\napp = FastAPI()\n' });
    const plan = planChanges(await detectProject(dir), inputs());
    const req = plan.changes.find((c) => c.path === 'requirements.txt')!;
    expect(req.before).toBeNull();
    expect(req.after).toContain('fastapi==0.165.0\n');
    expect(req.after).toContain('opentelemetry-instrumentation-fastapi==0.66b2\n');
  });

  it('does not take over a telemetry.py the user already has', async () => {
    const dir = write(scratchDir('cts-patch-'), {
      'app/__init__.py': '',
      'app/telemetry.py': 'METRICS = {}\n',
      'app/main.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
    });
    const plan = planChanges(await detectProject(dir), inputs());
    expect(plan.placement.path).toBe('app/otel_telemetry.py');
    expect(plan.changes.map((c) => c.path)).not.toContain('app/telemetry.py');
    expect(readFileSync(path.join(dir, 'app/telemetry.py'), 'utf8')).toBe('METRICS = {}\n');
  });

  it('drops the opentelemetry-instrument launcher and aligns the versions in the wrong setup', async () => {
    const plan = planChanges(await detectProject(copyFixture('wrong-otel')), inputs());
    const byPath = Object.fromEntries(plan.changes.map((c) => [c.path, c]));
    expect(byPath.Procfile!.after).toBe('web: uvicorn app.main:app --host 0.0.0.0 --port $PORT\n');
    expect(byPath.Dockerfile!.after.split('\n')[4]).toBe('CMD uvicorn app.main:app --host 0.0.0.0 --port 8000');
    expect(byPath['requirements.txt']!.summary).toEqual([
      'adds opentelemetry-api==1.45.2, opentelemetry-exporter-otlp-proto-http==1.45.2, opentelemetry-instrumentation-system-metrics==0.66b2',
      'aligns opentelemetry-sdk ==1.39.1 → ==1.45.2 (line 3) to the matched set',
      'aligns opentelemetry-exporter-otlp-proto-grpc ==1.39.1 → ==1.45.2 (line 4) to the matched set',
      'aligns opentelemetry-instrumentation-fastapi ==0.58b0 → ==0.66b2 (line 5) to the matched set',
    ]);
  });
});

describe("planChanges: the package's import style and the file's bytes", () => {
  it('a package written with relative imports gets a relative import (works as app.main and as src.app.main)', async () => {
    const dir = copyFixture('src-relative');
    const { first, second } = await planTwice(dir);
    const main = first.changes.find((c) => c.path === 'src/app/main.py')!;
    expect(main.after).toContain('from . import telemetry as otel_telemetry  # isort: skip');
    expect(main.after).not.toContain('from app import');
    expect(first.changes.map((c) => c.path)).toContain('src/app/telemetry.py');
    expect(second.changes.filter((c) => c.path !== 'pyproject.toml')).toEqual([]);
  });

  it('a package that imports itself absolutely keeps absolute imports', async () => {
    const dir = copyFixture('package-main');
    const plan = planChanges(await detectProject(dir), inputs());
    expect(plan.changes.find((c) => c.path === 'app/main.py')!.after).toContain(
      'from app import telemetry as otel_telemetry',
    );
  });

  it('keeps a UTF-8 byte-order mark and CRLF line endings', async () => {
    const dir = copyFixture('bom-crlf');
    const { first, second } = await planTwice(dir);
    const main = first.changes.find((c) => c.path === 'main.py')!;
    expect(main.after.startsWith('\uFEFF"""Notes service')).toBe(true);
    expect(main.after.split('\uFEFF').length).toBe(2);
    expect(main.after.replace(/\r\n/g, '')).not.toContain('\n');
    expect(main.after).toContain('app = FastAPI()\r\notel_telemetry.instrument_app(app)');
    expect(second.changes.filter((c) => c.path === 'main.py')).toEqual([]);
  });

  it("columns on the first line of a file with a byte-order mark are the analyzer's", async () => {
    const dir = write(scratchDir('cts-patch-'), {
      'main.py': '\uFEFFimport fastapi; app = fastapi.FastAPI(); DEBUG = 1\r\n',
    });
    const plan = planChanges(await detectProject(dir), inputs());
    const after = plan.changes.find((c) => c.path === 'main.py')!.after;
    expect(after).toContain('app = otel_telemetry.instrument_app(fastapi.FastAPI()); DEBUG = 1\r\n');
    expect(after.startsWith('\uFEFF')).toBe(true);
  });
});
