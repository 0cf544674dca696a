import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { otelLine } from '../../../../src/catalog/python-sets.js';
import { parseServiceOptions } from '../../../../src/options/schema.js';
import { detectProject } from '../../../../src/runtimes/python/existing/detect.js';
import { pinnedVersions } from '../../../../src/runtimes/python/existing/otel-choice.js';
import { renderTelemetryModule } from '../../../../src/runtimes/python/existing/telemetry-module.js';
import { frameworkWiring } from '../../../../src/runtimes/python/existing/wiring.js';
import { scratchDir } from '../../../support/helpers.js';

const placement = { path: 'telemetry.py', importLine: 'import telemetry', module: 'telemetry' };
const options = parseServiceOptions({ serviceName: 'svc', framework: 'fastapi' });
const INSTRUMENTATION = 'opentelemetry-instrumentation-fastapi';

/** The wiring planned for a FastAPI project whose dependency file says `requirement`, on `lineName`. */
async function planned(file: string, requirement: string, lineName = '1.45', main = 'app = FastAPI()\n') {
  const dir = scratchDir('cts-wiring-fastapi-');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, file), requirement);
  writeFileSync(path.join(dir, 'main.py'), `from fastapi import FastAPI\n${main}`);
  const report = await detectProject(dir);
  const pins = pinnedVersions(['fastapi'], report.dependencyFiles, []);
  const wiring = frameworkWiring(report, options, otelLine(lineName), pins);
  return {
    note: wiring.note,
    native: Boolean(wiring.variant.nativeTelemetry),
    packages: wiring.wanted.map((p) => p.name),
    text: renderTelemetryModule(options, placement, 'main', wiring.variant),
  };
}

describe("FastAPI 0.142 and later are wired with FastAPI's own instrumentation", () => {
  it('an exact pin >= 0.142: telemetry= settings from the module, no FastAPIInstrumentor, no contrib package', async () => {
    const { native, packages, text } = await planned('requirements.txt', 'fastapi==0.165.0\nuvicorn\n');
    expect(native).toBe(true);
    expect(packages).not.toContain(INSTRUMENTATION);
    expect(text).toContain('def fastapi_telemetry(');
    expect(text).toContain('"operation_spans": False');
    expect(text).not.toContain('FastAPIInstrumentor.instrument_app');
    expect(text).not.toContain('opentelemetry.instrumentation.fastapi');
  });

  it('an exact pin below 0.142 keeps FastAPIInstrumentor and its package', async () => {
    const { native, packages, text } = await planned('requirements.txt', 'fastapi==0.141.1\nuvicorn\n');
    expect(native).toBe(false);
    expect(packages).toContain(INSTRUMENTATION);
    expect(text).toContain('FastAPIInstrumentor.instrument_app(');
    expect(text).not.toContain('def fastapi_telemetry(');
  });

  it('a range without an upper bound installs the current release: native on 1.45, the older wiring on 1.42', async () => {
    expect((await planned('requirements.txt', 'fastapi>=0.100\n')).native).toBe(true);
    // FastAPI 0.142 needs opentelemetry-api 1.44: on the 1.42 line pip installs a FastAPI that does not trace itself.
    expect((await planned('requirements.txt', 'fastapi>=0.100\n', '1.42')).native).toBe(false);
  });

  it("a range capped below 0.142 (Poetry's ^0.115) keeps FastAPIInstrumentor; one reaching 0.142 goes native", async () => {
    const poetry = '[tool.poetry]\nname = "x"\n\n[tool.poetry.dependencies]\npython = "^3.11"\nfastapi = "^0.115.0"\n';
    expect((await planned('pyproject.toml', poetry)).native).toBe(false);
    expect((await planned('requirements.txt', 'fastapi>=0.100,<0.142\n')).native).toBe(false);
    expect((await planned('requirements.txt', 'fastapi>=0.130,<0.150\n')).native).toBe(true);
  });

  it("the project's own FastAPIInstrumentor call keeps that wiring (ours goes first and makes it a no-op), and says so", async () => {
    const main =
      'from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor\napp = FastAPI()\nFastAPIInstrumentor.instrument_app(app)\n';
    const { native, packages, note } = await planned('requirements.txt', 'fastapi==0.165.0\n', '1.45', main);
    expect(native).toBe(false);
    expect(packages).toContain(INSTRUMENTATION);
    expect(note).toMatch(/main\.py:4 instruments the app with FastAPIInstrumentor.*FastAPI's own/);
  });
});
