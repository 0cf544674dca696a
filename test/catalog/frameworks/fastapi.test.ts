import { describe, expect, it } from 'vitest';
import { fastapi } from '../../../src/catalog/frameworks/fastapi.js';
import { fastapiTracesItself, OTEL_LINES, otelLine } from '../../../src/catalog/python-sets.js';
import { parseServiceOptions } from '../../../src/options/schema.js';
import { plan } from '../../../src/generate/plan.js';
import { runtimeOf } from '../../../src/runtimes/index.js';

const names = (line: string) => fastapi.packages(otelLine(line)).map((p) => p.name);
const mainPy = (otelVersion: string) =>
  plan(parseServiceOptions({ serviceName: 'svc', framework: 'fastapi', otelVersion }), runtimeOf('fastapi')).files.find(
    (f) => f.path === 'app/main.py',
  )!.content;

describe('FastAPI: its own instrumentation from 0.142 on, FastAPIInstrumentor before', () => {
  it('a line pinning FastAPI >= 0.142 installs no opentelemetry-instrumentation-fastapi', () => {
    for (const [name, line] of Object.entries(OTEL_LINES)) {
      expect(names(name).includes('opentelemetry-instrumentation-fastapi')).toBe(!fastapiTracesItself(line));
    }
    expect(fastapiTracesItself(otelLine('1.45'))).toBe(true);
    expect(fastapiTracesItself(otelLine('1.42'))).toBe(false);
  });

  it('the app of such a line is traced by FastAPI(telemetry=...) with our providers, never by FastAPIInstrumentor', () => {
    const main = mainPy('1.45');
    expect(main).not.toContain('opentelemetry.instrumentation.fastapi');
    expect(main).not.toContain('instrument_app(');
    expect(main).toMatch(/"tracer_provider": telemetry\.provider/);
    expect(main).toMatch(/"meter_provider": telemetry\.meter_provider/);
    expect(main).toMatch(/"operation_spans": False/);
    expect(main).toMatch(/"auto_configure": False/);
    expect(main).toMatch(/"exclude": excluded_request/);
  });

  it('an older FastAPI line keeps FastAPIInstrumentor (FastAPI has no telemetry of its own before 0.142)', () => {
    const main = mainPy('1.42');
    expect(main).toContain('FastAPIInstrumentor.instrument_app(');
    expect(main).not.toContain('"tracer_provider": telemetry.provider');
  });
});
