import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectProject } from '../../../../src/runtimes/python/existing/detect.js';
import { diagnose } from '../../../../src/runtimes/python/existing/diagnose.js';
import { scratchDir } from '../../../support/helpers.js';
import { writeFastapiWiring } from '../../../support/wire-python.js';

function project(files: Record<string, string>): string {
  const dir = scratchDir('cts-rules-');
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

const findingsOf = async (files: Record<string, string>) => diagnose(await detectProject(project(files)));
const byCode = (findings: Awaited<ReturnType<typeof findingsOf>>, code: string) =>
  findings.filter((f) => f.code === code);

describe('doctor rules that read hand-written set-ups', () => {
  it('names startup handlers, a second app, an instrumentation without a provider and loose pins', async () => {
    const findings = await findingsOf({
      'requirements.txt': 'fastapi==0.115.0\nopentelemetry-sdk>=1.20\nopentelemetry-instrumentation-fastapi\n',
      Procfile: 'web: uvicorn main:app --port 8000\n',
      'main.py': [
        'from fastapi import FastAPI',
        'from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor',
        '',
        'app = FastAPI()',
        'admin = FastAPI()',
        'FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz")',
        '',
        '@app.on_event("startup")',
        'async def connect():',
        '    pass',
        '',
      ].join('\n'),
    });
    expect(byCode(findings, 'event-handlers')[0]?.message).toContain('startup connect');
    expect(byCode(findings, 'other-app').map((f) => f.message)).toEqual([
      expect.stringContaining('another FastAPI app is built at main.py:5'),
    ]);
    expect(byCode(findings, 'no-provider')).toHaveLength(1);
    expect(byCode(findings, 'implicit-provider').map((f) => f.where)).toEqual(['main.py:6']);
    expect(byCode(findings, 'health-not-excluded')).toEqual([]);
    expect(byCode(findings, 'unpinned-otel').map((f) => f.where)).toEqual(['requirements.txt:2', 'requirements.txt:3']);
    // Not wired by add-tracing: loose pins are warnings, not errors.
    expect(byCode(findings, 'unpinned-otel').every((f) => f.severity === 'warning')).toBe(true);
    // The order the report reads in: the app first, then the wiring, then the dependencies.
    const order = findings.map((f) => f.code);
    expect(order.indexOf('app')).toBeLessThan(order.indexOf('implicit-provider'));
    expect(order.indexOf('no-provider')).toBeLessThan(order.indexOf('unpinned-otel'));
  });

  it('a provider that add-tracing supersedes, and a dependency its wiring needs that nobody declares', async () => {
    const dir = project({
      'requirements.txt': 'fastapi==0.115.0\n',
      'legacy_tracing.py': [
        'from opentelemetry.sdk.trace import TracerProvider',
        '',
        'def setup():',
        '    return TracerProvider()',
        '',
      ].join('\n'),
      'main.py': ['from fastapi import FastAPI', '', 'app = FastAPI()', ''].join('\n'),
    });
    await writeFastapiWiring(dir);
    const wired = diagnose(await detectProject(dir));
    expect(wired.map((f) => f.code)).toContain('traced');
    expect(byCode(wired, 'superseded').map((f) => [f.where, f.severity])).toEqual([['legacy_tracing.py:4', 'warning']]);
    expect(byCode(wired, 'missing-dependency')).toEqual([]);

    // The wiring stays, the matched set is dropped from the dependency file: both are named.
    writeFileSync(path.join(dir, 'requirements.txt'), 'fastapi==0.115.0\n');
    const dropped = diagnose(await detectProject(dir));
    expect(byCode(dropped, 'missing-dependency').map((f) => f.message)).toEqual([
      expect.stringContaining('opentelemetry-sdk is not declared'),
      expect.stringContaining('opentelemetry-instrumentation-fastapi is not declared'),
    ]);
  });
});
