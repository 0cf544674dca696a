/**
 * The real thing, once per exporter: generate, install from the package index, run the generated
 * project's own tests, start it, and check its spans. Then break a generated project on purpose in each
 * of the ways the guide warns about, and check the smoke test fails with the right diagnosis.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/helpers.js';
import { appendToMain, e2eHarness, failing, projectPytest } from '../support/harness.js';

// No --framework: the CLI's default (FastAPI) is what runs.
const { root, projects, generate, brokenCopy, smokeOf: smokeRun } = e2eHarness({ rootPrefix: 'cts-e2e-' });

describe.each([
  ['otlp-grpc', {}],
  // One run goes through pip instead of uv, so the fallback installer is exercised too.
  ['otlp-http', { CTS_INSTALLER: 'pip' }],
  ['console', {}],
])('generated service with %s exporter', (exporter, env) => {
  let outcome: Awaited<ReturnType<typeof generate>>;
  beforeAll(async () => {
    outcome = await generate(exporter, env);
  }, 600_000);

  it('installs and passes every smoke check', () => {
    const smoke = outcome.result.pipeline?.smoke;
    expect(smoke, outcome.stderr).toBeDefined();
    const failedChecks = smoke.checks.filter((c) => !c.ok);
    expect(failedChecks, outcome.stderr).toEqual([]);
    expect(outcome.code).toBe(0);
    expect(smoke.checks.map((c) => c.name)).toContain('child span');
    // The report's trace tree is shown to a person too.
    expect(outcome.stderr).toContain('└─ process_item_logic');
  });

  it("passes the generated project's own pytest suite", () => {
    const out = projectPytest(projects[exporter]!, 120_000);
    expect(out).toMatch(/\d+ passed/);
    expect(out).not.toMatch(/failed|error/i);
  });
});

/** As the harness's, and the CLI's overall result agrees with the smoke report. */
async function smokeOf(dir: string) {
  const run = await smokeRun(dir);
  expect(run.ok).toBe(run.report.ok);
  return run;
}

describe('the smoke test fails on a service wired wrong', () => {
  beforeAll(() => {
    if (!existsSync(path.join(projects['otlp-grpc'] ?? '', '.venv')))
      throw new Error('the gRPC project was not generated');
  });

  it('instrumentation removed', async () => {
    const dir = brokenCopy('no-instrumentation', appendToMain('FastAPIInstrumentor.uninstrument_app(app)'));
    expect(readFileSync(path.join(dir, 'app', 'main.py'), 'utf8')).toContain('FastAPIInstrumentor');
    const { code, report } = await smokeOf(dir);
    expect(code).toBe(1);
    expect(failing(report)['server span']).toMatch(/not instrumented/);
  });

  it('middleware bound to a provider other than the one that exports', async () => {
    const dir = brokenCopy(
      'other-provider',
      appendToMain(
        [
          'from opentelemetry.sdk.trace import TracerProvider as _OtherProvider',
          'FastAPIInstrumentor.uninstrument_app(app)',
          'FastAPIInstrumentor.instrument_app(app, tracer_provider=_OtherProvider(), exclude_spans=["receive", "send"])',
        ].join('\n'),
      ),
    );
    const { code, report } = await smokeOf(dir);
    expect(code).toBe(1);
    expect(failing(report)['server span']).toMatch(/provider that does not export/);
  });

  it('SimpleSpanProcessor swapped in, exporting nowhere: the stall shows', async () => {
    const dir = brokenCopy(
      'simple-processor',
      appendToMain(
        [
          'from opentelemetry.sdk.trace.export import SimpleSpanProcessor as _Simple',
          'from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as _Exporter',
          '# Replace the batch processor: every span now exports synchronously, on the request path, to a closed port.',
          'telemetry.provider._active_span_processor._span_processors = (_Simple(_Exporter(endpoint="127.0.0.1:9", insecure=True, timeout=4)),)',
        ].join('\n'),
      ),
    );
    const { code, report } = await smokeOf(dir);
    expect(code).toBe(1);
    const failures = failing(report);
    expect(failures['no request blocked on export']).toMatch(/SimpleSpanProcessor/);
    expect(failures['spans received']).toMatch(/never flushed, or the exporter points somewhere else/);
    expect(Math.max(...report.requests.map((r) => r.durationMs))).toBeGreaterThan(2000);
  }, 120_000);

  it('exclusions removed', async () => {
    const dir = brokenCopy(
      'no-exclusions',
      appendToMain(
        [
          'FastAPIInstrumentor.uninstrument_app(app)',
          'FastAPIInstrumentor.instrument_app(app, tracer_provider=telemetry.provider, exclude_spans=["receive", "send"])',
          '# Starlette caches the middleware stack; drop it so the new instrumentation takes effect.',
          'app.middleware_stack = None',
        ].join('\n'),
      ),
    );
    const { code, report } = await smokeOf(dir);
    expect(code).toBe(1);
    expect(Object.keys(failing(report))).toEqual(['excluded URLs produce no span']);
  });

  it('child span started in a thread without the request context', async () => {
    const dir = brokenCopy(
      'thread-context',
      appendToMain(
        [
          'import asyncio as _asyncio',
          'app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) != "/process/{item_id}"]',
          '',
          '@app.get("/process/{item_id}")',
          'async def _process_in_thread(item_id: str):',
          '    def work():',
          '        with tracer.start_as_current_span("process_item_logic", attributes={"item.id": item_id, "processing.status": "completed"}):',
          '            pass',
          '    # run_in_executor does not copy contextvars: the thread starts with an empty context.',
          '    await _asyncio.get_running_loop().run_in_executor(None, work)',
          '    return {"item_id": item_id}',
        ].join('\n'),
      ),
    );
    const { code, report } = await smokeOf(dir);
    expect(code).toBe(1);
    expect(failing(report)['child span']).toMatch(/async context was lost/);
  });
});

describe('interrupting the smoke test', () => {
  it('Ctrl-C while the service runs: exit 130, no process left behind', async () => {
    const dir = projects['otlp-grpc']!;
    const uvicorn = path.join(dir, '.venv', 'bin', 'uvicorn');
    const running = () => spawnSync('pgrep', ['-f', uvicorn], { encoding: 'utf8' }).stdout.trim();
    expect(running()).toBe('');
    const child = spawn(process.execPath, [CLI, 'smoke', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (running() === '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(running(), output).not.toBe('');
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(output).toContain('cancelled');
    // The service's whole process group went with it.
    await new Promise((r) => setTimeout(r, 300));
    expect(running()).toBe('');
  });
});

describe('--examples', () => {
  it("the worked examples' own tests pass, with the app that mounts them", async () => {
    const lean = projects['otlp-grpc'];
    if (!lean || !existsSync(path.join(lean, '.venv'))) throw new Error('the gRPC project was not generated');
    const r = await runCli(['with-examples', '--yes', '--no-install', '--examples'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const dir = path.join(root, 'with-examples');
    // The examples add no dependency: the lean project's environment runs them.
    expect(readFileSync(path.join(dir, 'requirements.txt'), 'utf8')).toBe(
      readFileSync(path.join(lean, 'requirements.txt'), 'utf8'),
    );
    symlinkSync(path.join(lean, '.venv'), path.join(dir, '.venv'));
    const out = projectPytest(dir, 120_000);
    expect(out).not.toMatch(/failed|error/i);
    const passed = (text: string) => Number(/(\d+) passed/.exec(text)?.[1] ?? 0);
    // The same suite as the lean project's, plus the examples' tests.
    expect(passed(out)).toBeGreaterThan(passed(projectPytest(lean, 120_000)));
  });
});
