import { describe, expect, it } from 'vitest';
import { detectProject } from '../../../../src/runtimes/python/existing/detect.js';
import { diagnose } from '../../../../src/runtimes/python/existing/diagnose.js';
import { scratchProject } from '../../../support/helpers.js';
import { writeFastapiWiring } from '../../../support/wire-python.js';

const findingsOf = async (files: Record<string, string>) =>
  diagnose(await detectProject(scratchProject(files, 'cts-native-')));
const codes = (findings: Awaited<ReturnType<typeof findingsOf>>) => findings.map((f) => f.code);

const PROVIDER = [
  'from opentelemetry import trace',
  'from opentelemetry.sdk.trace import TracerProvider',
  'from opentelemetry.sdk.trace.export import BatchSpanProcessor',
  'from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter',
  '',
  'provider = TracerProvider()',
  'provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))',
  'trace.set_tracer_provider(provider)',
];

describe("doctor and FastAPI's own instrumentation (FastAPI >= 0.142)", () => {
  it('an app FastAPI traces itself is instrumented: no "not instrumented" finding', async () => {
    const findings = await findingsOf({
      'requirements.txt': 'fastapi==0.150.0\nopentelemetry-sdk==1.45.2\n',
      'main.py': [
        ...PROVIDER,
        'from fastapi import FastAPI',
        '',
        'app = FastAPI(telemetry={"tracer_provider": provider, "operation_spans": False})',
        '',
      ].join('\n'),
    });
    expect(codes(findings)).not.toContain('not-instrumented');
    expect(findings.find((f) => f.code === 'native-telemetry')?.message).toMatch(/FastAPI's own OpenTelemetry/);
  });

  it('an older FastAPI, or telemetry={"tracing": False}, is not traced by FastAPI itself', async () => {
    const old = await findingsOf({
      'requirements.txt': 'fastapi==0.141.1\n',
      'main.py': [...PROVIDER, 'from fastapi import FastAPI', '', 'app = FastAPI()', ''].join('\n'),
    });
    expect(codes(old)).toContain('not-instrumented');
    const off = await findingsOf({
      'requirements.txt': 'fastapi==0.150.0\n',
      'main.py': [
        ...PROVIDER,
        'from fastapi import FastAPI',
        '',
        'app = FastAPI(telemetry={"tracing": False})',
        '',
      ].join('\n'),
    });
    expect(codes(off)).toContain('not-instrumented');
    expect(codes(off)).not.toContain('native-telemetry');
  });

  it('OpenTelemetryMiddleware wrapped around an app that traces itself: traced twice', async () => {
    const findings = await findingsOf({
      'requirements.txt': 'fastapi==0.150.0\n',
      'main.py': [
        ...PROVIDER,
        'from fastapi import FastAPI',
        'from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware',
        '',
        'app = FastAPI()',
        'application = OpenTelemetryMiddleware(app)',
        '',
      ].join('\n'),
    });
    const twice = findings.find((f) => f.code === 'traced-twice');
    expect(twice?.severity).toBe('error');
    expect(twice?.where).toBe('main.py:13');
    expect(twice?.fix).toMatch(/"tracing": False/);
  });

  it('FastAPIInstrumentor on an app that traces itself: FastAPI stands aside, said as a warning', async () => {
    const findings = await findingsOf({
      'requirements.txt': 'fastapi==0.150.0\n',
      'main.py': [
        ...PROVIDER,
        'from fastapi import FastAPI',
        'from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor',
        '',
        'app = FastAPI()',
        'FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls="healthz")',
        '',
      ].join('\n'),
    });
    const both = findings.find((f) => f.code === 'two-instrumentations');
    expect(both?.severity).toBe('warning');
    expect(both?.where).toBe('main.py:13');
    expect(codes(findings)).not.toContain('traced-twice');
  });

  it("an app add-tracing wired is FastAPIInstrumentor's alone: its instrument_app() switches FastAPI's own off", async () => {
    const dir = scratchProject(
      {
        'requirements.txt': 'fastapi==0.165.0\n',
        'main.py': [...PROVIDER, 'from fastapi import FastAPI', '', 'app = FastAPI()', ''].join('\n'),
      },
      'cts-native-',
    );
    await writeFastapiWiring(dir);
    const wired = codes(diagnose(await detectProject(dir)));
    expect(wired).toContain('traced');
    expect(wired).not.toContain('native-telemetry');
    expect(wired).not.toContain('missing-dependency');
  });
});
