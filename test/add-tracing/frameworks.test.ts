import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectProject } from '../../src/add-tracing/detect.js';
import { diagnose, hasErrors } from '../../src/add-tracing/diagnose.js';
import { DETECTION } from '../../src/add-tracing/frameworks.js';
import { FRAMEWORKS } from '../../src/frameworks/index.js';
import { scratchDir } from '../helpers.js';

function project(files: Record<string, string>): string {
  const dir = scratchDir('cts-fw-');
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

const codes = (findings: ReturnType<typeof diagnose>, severity: string) => findings.filter((f) => f.severity === severity).map((f) => f.code);

describe('one framework registry', () => {
  it('detection is read from the framework descriptors', () => {
    expect(DETECTION.map((d) => [d.name, d.distributions])).toEqual(FRAMEWORKS.map((f) => [f.name, f.detectDistributions]));
  });

  it('a FastAPI project that also lists Starlette is a FastAPI project; a Starlette one is Starlette', async () => {
    const both = await detectProject(project({
      'requirements.txt': 'fastapi==0.115.0\nstarlette==0.40.0\n',
      'main.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
    }));
    expect(both.framework?.name).toBe('fastapi');
    const plain = await detectProject(project({
      'requirements.txt': 'starlette==0.40.0\n',
      'main.py': 'from starlette.applications import Starlette\napp = Starlette()\n',
    }));
    expect(plain.framework?.name).toBe('starlette');
    expect(plain.selected?.id).toBe('main.py:2');
  });
});

describe('doctor: a wrongly wired Starlette app', () => {
  it('names the missing provider, the blocking processor and the missing flush', async () => {
    const dir = project({
      'requirements.txt': 'starlette==0.40.0\nopentelemetry-sdk\nopentelemetry-instrumentation-starlette\n',
      'main.py': [
        'from opentelemetry.instrumentation.starlette import StarletteInstrumentor',
        'from opentelemetry.sdk.trace import TracerProvider',
        'from opentelemetry.sdk.trace.export import SimpleSpanProcessor',
        'from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter',
        'from starlette.applications import Starlette',
        'provider = TracerProvider()',
        'provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter()))',
        'app = Starlette()',
        'StarletteInstrumentor.instrument_app(app)',
        '',
      ].join('\n'),
    });
    const findings = diagnose(await detectProject(dir));
    expect(hasErrors(findings)).toBe(true);
    expect(codes(findings, 'error')).toEqual(expect.arrayContaining(['simple-span-processor', 'no-flush', 'health-not-excluded']));
    expect(codes(findings, 'warning')).toContain('implicit-provider');
    expect(codes(findings, 'error')).not.toContain('not-instrumented');
  });

  it('an uninstrumented Starlette app is reported as such', async () => {
    const dir = project({ 'requirements.txt': 'starlette\n', 'app.py': 'from starlette.applications import Starlette\napp = Starlette()\n' });
    const findings = diagnose(await detectProject(dir));
    expect(findings.find((f) => f.code === 'not-instrumented')?.message).toContain('StarletteInstrumentor.instrument_app(app) after Starlette()');
  });
});
