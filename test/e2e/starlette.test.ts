/**
 * Starlette end to end, once per OTLP exporter: generate, install from the package index, run the
 * generated project's own tests, start it under uvicorn (one worker, then two), and check its spans.
 * Then break it the way StarletteInstrumentor invites (instrument_app with its own defaults) and check
 * the smoke test says so.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from '../helpers.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  diagnosis?: string;
}
interface SmokeJson {
  ok: boolean;
  checks: Check[];
  spans: { name: string; kind: string; traceId: string; parentSpanId: string }[];
}

const FRAMEWORK = 'starlette';
const root = scratchDir(`cts-e2e-${FRAMEWORK}-`);
const projects: Record<string, string> = {};

async function generate(exporter: string, env: NodeJS.ProcessEnv = {}) {
  const dir = `svc-${exporter}`;
  const r = await runCli(
    [dir, '--yes', '--json', '--framework', FRAMEWORK, '--exporter', exporter, '--service-name', `shop "${exporter}"`, '--environment', 'e2e'],
    { cwd: root, env, timeoutMs: 570_000 },
  );
  projects[exporter] = path.join(root, dir);
  return { code: r.code, result: JSON.parse(r.stdout || '{}') as { ok: boolean; pipeline?: { smoke?: SmokeJson } }, stderr: r.stderr };
}

describe.each([
  ['otlp-grpc', {}],
  // One run goes through pip instead of uv, so the fallback installer is exercised too.
  ['otlp-http', { CTS_INSTALLER: 'pip' }],
])(`generated ${FRAMEWORK} service with %s exporter`, (exporter, env) => {
  let outcome: Awaited<ReturnType<typeof generate>>;
  beforeAll(async () => {
    outcome = await generate(exporter, env);
  }, 600_000);

  it('installs and passes every smoke check, with one worker and with two', () => {
    const smoke = outcome.result.pipeline?.smoke;
    expect(smoke, outcome.stderr).toBeDefined();
    expect(smoke!.checks.filter((c) => !c.ok), outcome.stderr).toEqual([]);
    expect(outcome.code).toBe(0);
    const names = smoke!.checks.map((c) => c.name);
    expect(names).toContain('child span');
    expect(names).toContain('every worker exports (2 workers)');
    expect(names).toContain('nothing lost on SIGTERM (2 workers)');
    // Exactly the server span and its child: no "http send"/"http receive" spans.
    expect(new Set(smoke!.spans.map((s) => s.name))).toEqual(new Set(['GET /process/{item_id}', 'process_item_logic']));
    expect(outcome.stderr).toContain('└─ process_item_logic');
  });

  it("passes the generated project's own pytest suite", () => {
    const python = path.join(projects[exporter]!, '.venv', 'bin', 'python');
    const out = execFileSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], { cwd: projects[exporter], encoding: 'utf8', timeout: 120_000 });
    expect(out).toMatch(/\d+ passed/);
    expect(out).not.toMatch(/failed|error|warning/i);
  });
});

describe(`the smoke test fails on a ${FRAMEWORK} service wired wrong`, () => {
  beforeAll(() => {
    if (!existsSync(path.join(projects['otlp-grpc'] ?? '', '.venv'))) throw new Error('the gRPC project was not generated');
  });

  it('instrument_app left with its defaults: internal send spans and traced health checks', async () => {
    const base = projects['otlp-grpc']!;
    const dir = path.join(root, 'broken-defaults');
    cpSync(base, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.venv`) && !src.includes('__pycache__') });
    symlinkSync(path.join(base, '.venv'), path.join(dir, '.venv'));
    appendFileSync(
      path.join(dir, 'app', 'main.py'),
      [
        '',
        '# --- broken on purpose by the test suite ---',
        'StarletteInstrumentor.uninstrument_app(app)',
        'app.middleware_stack = None  # uninstrument_app builds the stack; let instrument_app add middleware again',
        'StarletteInstrumentor.instrument_app(app, tracer_provider=telemetry.provider)',
        '',
      ].join('\n'),
    );
    const r = await runCli(['smoke', dir, '--json'], { cwd: root, timeoutMs: 180_000 });
    const report = (JSON.parse(r.stdout) as { smoke: SmokeJson }).smoke;
    expect(r.code).toBe(1);
    const failing = Object.fromEntries(report.checks.filter((c) => !c.ok).map((c) => [c.name, c.diagnosis ?? '']));
    expect(failing['spans per request']).toMatch(/exclude_spans/);
    expect(failing['excluded URLs produce no span']).toMatch(/excluded_urls/);
    expect(report.spans.some((s) => s.name.endsWith(' http send'))).toBe(true);
  });
});
