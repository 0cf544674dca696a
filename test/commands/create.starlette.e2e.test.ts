/**
 * Starlette end to end, once per OTLP exporter: generate, install from the package index, run the
 * generated project's own tests, start it under uvicorn (one worker, then two), and check its spans.
 * Then break it the way StarletteInstrumentor invites (instrument_app with its own defaults) and check
 * the smoke test says so.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendToMain, e2eHarness, failing, projectPytest } from '../support/harness.js';

const FRAMEWORK = 'starlette';
const { projects, generate, brokenCopy, smokeOf } = e2eHarness({
  framework: FRAMEWORK,
  rootPrefix: `cts-e2e-${FRAMEWORK}-`,
});

describe.each([
  ['otlp-grpc', {}],
  // One run goes through pip instead of uv, so the fallback installer is exercised too.
  ['otlp-http', { CTS_INSTALLER: 'pip' }],
])(`generated ${FRAMEWORK} service with %s exporter`, (exporter, env) => {
  let outcome: Awaited<ReturnType<typeof generate>>;
  beforeAll(async () => {
    outcome = await generate(exporter, env);
  }, 600_000);

  it('installs and passes every smoke check', () => {
    const smoke = outcome.result.pipeline?.smoke;
    expect(smoke, outcome.stderr).toBeDefined();
    expect(
      smoke!.checks.filter((c) => !c.ok),
      outcome.stderr,
    ).toEqual([]);
    expect(outcome.code).toBe(0);
    const names = smoke!.checks.map((c) => c.name);
    expect(names).toContain('child span');
    // Exactly the server span and its child: no "http send"/"http receive" spans.
    expect(new Set(smoke!.spans.map((s) => s.name))).toEqual(new Set(['GET /process/{item_id}', 'process_item_logic']));
    expect(outcome.stderr).toContain('└─ process_item_logic');
  });

  it("passes the generated project's own pytest suite", () => {
    const out = projectPytest(projects[exporter]!, 120_000);
    expect(out).toMatch(/\d+ passed/);
    expect(out).not.toMatch(/failed|error|warning/i);
  });
});

describe(`the smoke test fails on a ${FRAMEWORK} service wired wrong`, () => {
  beforeAll(() => {
    if (!existsSync(path.join(projects['otlp-grpc'] ?? '', '.venv')))
      throw new Error('the gRPC project was not generated');
  });

  it('instrument_app left with its defaults: internal send spans and traced health checks', async () => {
    const dir = brokenCopy(
      'defaults',
      appendToMain(
        [
          'StarletteInstrumentor.uninstrument_app(app)',
          'app.middleware_stack = None  # uninstrument_app builds the stack; let instrument_app add middleware again',
          'StarletteInstrumentor.instrument_app(app, tracer_provider=telemetry.provider)',
        ].join('\n'),
      ),
    );
    const { code, report } = await smokeOf(dir);
    expect(code).toBe(1);
    const failures = failing(report);
    expect(failures['spans per request']).toMatch(/exclude_spans/);
    expect(failures['excluded URLs produce no span']).toMatch(/excluded_urls/);
    expect(report.spans.some((s) => s.name.endsWith(' http send'))).toBe(true);
  });
});
