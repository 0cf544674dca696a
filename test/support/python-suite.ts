/**
 * The end-to-end suite of a Python framework, one row of PYTHON_SUITE_CASES each: generated with each of the
 * row's exporters, installed from the package index, every smoke check passed, the generated project's own
 * pytest suite passed; then copies of the gRPC project broken on purpose (sharing its venv), each failing
 * the check that names what is wrong. What a framework has beyond that is in its row (assertions, tests on
 * each project, the ways to break it) or in its own test file, on the harness the suite returns.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  appendToMain,
  e2eHarness,
  failing,
  projectPytest,
  type Generated,
  type Harness,
  type SmokeJson,
} from './harness.js';

export interface PythonCase {
  /** Passed as --framework; left out, the CLI's default (FastAPI) is what runs. */
  framework?: string;
  /** How the suite's titles name the service: "generated <service> with ... exporter". */
  service: string;
  rootPrefix: string;
  projectPrefix?: string;
  /** Each exporter generated, with the environment the CLI runs in. */
  exporters: [exporter: string, env: NodeJS.ProcessEnv][];
  /** The test that the CLI's own run installed and passed every smoke check, and what it checks beyond the shared part. */
  smoke: {
    title: string;
    extra?: (run: { names: string[]; smoke: SmokeJson; outcome: Generated; exporter: string }) => void;
  };
  /** The generated project's own pytest suite: its title, its time limit, and what its output must not mention. */
  pytest: { title: string; timeoutMs: number; clean: RegExp };
  /** More tests on each exporter's project. */
  perExporter?: (exporter: string, projects: Record<string, string>) => void;
  /** The ways a copy of the gRPC project is broken on purpose, each a test. */
  broken: { name: string; run: (harness: Harness) => Promise<void>; timeoutMs?: number }[];
}

const PYTEST = "passes the generated project's own pytest suite";

/** As the harness's smokeOf, and the CLI's overall result agrees with the smoke report. */
async function smokeAgreeing(harness: Harness, dir: string) {
  const run = await harness.smokeOf(dir);
  expect(run.ok).toBe(run.report.ok);
  return run;
}

export const PYTHON_SUITE_CASES = {
  /**
   * The real thing, once per exporter: generate, install from the package index, run the generated
   * project's own tests, start it, and check its spans. Then break a generated project on purpose in each
   * of the ways the guide warns about, and check the smoke test fails with the right diagnosis.
   */
  fastapi: {
    // No --framework: the CLI's default (FastAPI) is what runs.
    service: 'service',
    rootPrefix: 'cts-e2e-',
    exporters: [
      ['otlp-grpc', {}],
      // One run goes through pip instead of uv, so the fallback installer is exercised too.
      ['otlp-http', { CTS_INSTALLER: 'pip' }],
      ['console', {}],
    ],
    smoke: { title: 'installs and passes every smoke check' },
    pytest: { title: PYTEST, timeoutMs: 120_000, clean: /failed|error/i },
    broken: [
      {
        name: 'instrumentation removed',
        async run(h) {
          // FastAPI >= 0.142 traces itself with the config dict given to FastAPI(telemetry=...), read per request.
          const dir = h.brokenCopy(
            'no-instrumentation',
            appendToMain('app._telemetry.update({"tracing": False, "metrics": False})'),
          );
          expect(readFileSync(path.join(dir, 'app', 'main.py'), 'utf8')).toContain('telemetry={');
          const { code, report } = await smokeAgreeing(h, dir);
          expect(code).toBe(1);
          expect(failing(report)['server span']).toMatch(/not instrumented/);
        },
      },
      {
        name: 'middleware bound to a provider other than the one that exports',
        async run(h) {
          const dir = h.brokenCopy(
            'other-provider',
            appendToMain(
              [
                'from opentelemetry.sdk.trace import TracerProvider as _OtherProvider',
                'app._telemetry["tracer_provider"] = _OtherProvider()',
              ].join('\n'),
            ),
          );
          const { code, report } = await smokeAgreeing(h, dir);
          expect(code).toBe(1);
          expect(failing(report)['server span']).toMatch(/provider that does not export/);
        },
      },
      {
        name: 'SimpleSpanProcessor swapped in, exporting nowhere: the stall shows',
        async run(h) {
          const dir = h.brokenCopy(
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
          const { code, report } = await smokeAgreeing(h, dir);
          expect(code).toBe(1);
          const failures = failing(report);
          expect(failures['no request blocked on export']).toMatch(/SimpleSpanProcessor/);
          expect(failures['spans received']).toMatch(/never flushed, or the exporter points somewhere else/);
          expect(Math.max(...report.requests.map((r) => r.durationMs))).toBeGreaterThan(2000);
        },
        timeoutMs: 120_000,
      },
      {
        name: 'exclusions removed',
        async run(h) {
          const dir = h.brokenCopy('no-exclusions', appendToMain(['app._telemetry["exclude"] = None'].join('\n')));
          const { code, report } = await smokeAgreeing(h, dir);
          expect(code).toBe(1);
          expect(Object.keys(failing(report))).toEqual(['excluded URLs produce no span']);
        },
      },
      {
        name: 'child span started in a thread without the request context',
        async run(h) {
          const dir = h.brokenCopy(
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
          const { code, report } = await smokeAgreeing(h, dir);
          expect(code).toBe(1);
          expect(failing(report)['child span']).toMatch(/async context was lost/);
        },
      },
    ],
  },

  /**
   * Starlette, once per OTLP exporter: started under uvicorn (one worker, then two). Then broken the way
   * StarletteInstrumentor invites (instrument_app with its own defaults).
   */
  starlette: {
    framework: 'starlette',
    service: 'starlette service',
    rootPrefix: 'cts-e2e-starlette-',
    exporters: [
      ['otlp-grpc', {}],
      // One run goes through pip instead of uv, so the fallback installer is exercised too.
      ['otlp-http', { CTS_INSTALLER: 'pip' }],
    ],
    smoke: {
      title: 'installs and passes every smoke check',
      extra({ smoke }) {
        // Exactly the server span and its child: no "http send"/"http receive" spans.
        expect(new Set(smoke.spans.map((s) => s.name))).toEqual(
          new Set(['GET /process/{item_id}', 'process_item_logic']),
        );
      },
    },
    pytest: { title: PYTEST, timeoutMs: 120_000, clean: /failed|error|warning/i },
    broken: [
      {
        name: 'instrument_app left with its defaults: internal send spans and traced health checks',
        async run(h) {
          const dir = h.brokenCopy(
            'defaults',
            appendToMain(
              [
                'StarletteInstrumentor.uninstrument_app(app)',
                'app.middleware_stack = None  # uninstrument_app builds the stack; let instrument_app add middleware again',
                'StarletteInstrumentor.instrument_app(app, tracer_provider=telemetry.provider)',
              ].join('\n'),
            ),
          );
          const { code, report } = await h.smokeOf(dir);
          expect(code).toBe(1);
          const failures = failing(report);
          expect(failures['spans per request']).toMatch(/exclude_spans/);
          expect(failures['excluded URLs produce no span']).toMatch(/excluded_urls/);
          expect(report.spans.some((s) => s.name.endsWith(' http send'))).toBe(true);
        },
      },
    ],
  },

  /**
   * Flask, once per OTLP exporter: started under gunicorn (one worker, then two). Then the gunicorn
   * configuration broken the ways that lose spans, and the smoke test (or gunicorn) says so.
   */
  flask: {
    framework: 'flask',
    service: 'flask service',
    rootPrefix: 'cts-e2e-flask-',
    exporters: [
      ['otlp-grpc', {}],
      // One run goes through pip instead of uv, so the fallback installer is exercised too.
      ['otlp-http', { CTS_INSTALLER: 'pip' }],
    ],
    smoke: {
      title: 'installs and passes every smoke check, with one gunicorn worker and with two',
      extra({ names, smoke }) {
        expect(names).toContain('every worker exports (2 workers)');
        expect(names).toContain('nothing lost on SIGTERM (2 workers)');
        // Flask's URL rule names the server span.
        expect(new Set(smoke.spans.map((s) => s.name))).toEqual(
          new Set(['GET /process/<item_id>', 'process_item_logic']),
        );
      },
    },
    pytest: {
      title: `${PYTEST} (gunicorn workers and development servers flush on SIGTERM)`,
      timeoutMs: 180_000,
      clean: /failed|error|skipped/i,
    },
    perExporter(exporter, projects) {
      it('ships gunicorn.conf.py in the image', () => {
        const dockerfile = readFileSync(path.join(projects[exporter]!, 'Dockerfile'), 'utf8');
        expect(dockerfile).toContain('COPY gunicorn.conf.py ./gunicorn.conf.py');
        expect(dockerfile).toContain(
          'CMD ["gunicorn","--config","gunicorn.conf.py","--bind","0.0.0.0:8000","app.main:app"]',
        );
      });
    },
    broken: [
      {
        name: 'workers that exit without flushing lose the buffered spans',
        async run(h) {
          const dir = h.brokenCopy('no-flush', (d) => {
            const conf = path.join(d, 'gunicorn.conf.py');
            // os._exit skips both worker_exit's flush and the atexit hook, like a worker killed outright.
            const text = readFileSync(conf, 'utf8').replace(
              'def worker_exit(server, worker):',
              'def worker_exit(server, worker):\n    import os; os._exit(0)',
            );
            writeFileSync(conf, text);
          });
          const { code, report } = await h.smokeOf(dir);
          expect(code).toBe(1);
          const failures = failing(report);
          // The batch delay (5 s) is never reached in the run: nothing arrives at all.
          expect(failures['spans received']).toMatch(/never flushed/);
          expect(failures['nothing lost on SIGTERM (2 workers)']).toMatch(/worker_exit/);
        },
      },
      {
        name: 'a preloaded app (provider built in the master) is refused before any worker serves',
        async run(h) {
          const dir = h.brokenCopy('preload', (d) =>
            appendFileSync(path.join(d, 'gunicorn.conf.py'), '\npreload_app = True  # broken on purpose\n'),
          );
          const { code, report } = await h.smokeOf(dir);
          expect(code).toBe(1);
          expect(Object.keys(failing(report))).toEqual(['service started']);
          expect(report.serviceOutput).toMatch(/imported in the gunicorn master/);
        },
      },
      {
        name: 'exclusions not passed to instrument_app',
        async run(h) {
          const dir = h.brokenCopy('no-exclusions', (d) => {
            const main = path.join(d, 'app', 'main.py');
            writeFileSync(main, readFileSync(main, 'utf8').replace('    excluded_urls=EXCLUDED_URLS,\n', ''));
          });
          const { code, report } = await h.smokeOf(dir);
          expect(code).toBe(1);
          expect(failing(report)['excluded URLs produce no span']).toMatch(/excluded_urls/);
          expect(failing(report)['server span']).toBeUndefined();
        },
      },
    ],
  },

  /**
   * Django with each exporter (for OTLP, including the two-worker gunicorn phase of the smoke test). Then
   * projects broken on purpose in the ways the generated README warns about.
   */
  django: {
    framework: 'django',
    service: 'Django service',
    rootPrefix: 'cts-e2e-django-',
    projectPrefix: 'django',
    exporters: [
      ['otlp-grpc', {}],
      ['otlp-http', {}],
      ['console', {}],
    ],
    smoke: {
      title: 'installs and passes every smoke check',
      extra({ names, outcome, exporter }) {
        expect(names).toContain('all spans delivered by shutdown');
        if (exporter !== 'console') {
          // The gunicorn phase with two workers ran: both exported, nothing was lost on SIGTERM.
          expect(names).toContain('every worker exports (2 workers)');
          expect(names).toContain('nothing lost on SIGTERM (2 workers)');
        }
        expect(outcome.stderr).toContain('GET process/<str:item_id>');
      },
    },
    pytest: { title: PYTEST, timeoutMs: 120_000, clean: /failed|error/i },
    broken: [
      {
        name: 'instrumented after the application was loaded: no server span',
        async run(h) {
          const dir = h.brokenCopy('late-instrumentation', (d) => {
            const file = path.join(d, 'config', 'wsgi.py');
            const source = readFileSync(file, 'utf8');
            const moved = source
              .replace('\notel.instrument()\n', '\n')
              .replace(
                'application = get_wsgi_application()\n',
                'application = get_wsgi_application()\notel.instrument()  # too late: the handler has read MIDDLEWARE\n',
              );
            expect(moved).not.toBe(source);
            writeFileSync(file, moved);
          });
          const { code, report } = await h.smokeOf(dir);
          expect(code).toBe(1);
          expect(failing(report)['server span']).toMatch(/not instrumented/);
        },
        timeoutMs: 180_000,
      },
      {
        name: 'exclusions removed: the health check gets spans',
        async run(h) {
          const dir = h.brokenCopy('no-exclusions', (d) => {
            const file = path.join(d, 'config', 'otel.py');
            const source = readFileSync(file, 'utf8');
            const broken = source.replace('excluded_urls=EXCLUDED_URLS,', 'excluded_urls="",');
            expect(broken).not.toBe(source);
            writeFileSync(file, broken);
          });
          const { code, report } = await h.smokeOf(dir);
          expect(code).toBe(1);
          // The readiness polls of /healthz now produce spans too, which the two-worker phase counts as
          // "more spans than requests explain"; every other check of the main phase still passes.
          const failed = Object.keys(failing(report)).filter((name) => !name.endsWith('(2 workers)'));
          expect(failed).toEqual(['excluded URLs produce no span']);
        },
        timeoutMs: 180_000,
      },
    ],
  },
} satisfies Record<string, PythonCase>;

/** Declares the suite of one row; returns its harness, for a framework's own tests on the same projects. */
export function pythonFrameworkSuite(name: keyof typeof PYTHON_SUITE_CASES): Harness {
  const row: PythonCase = PYTHON_SUITE_CASES[name];
  const harness = e2eHarness({
    framework: row.framework,
    rootPrefix: row.rootPrefix,
    projectPrefix: row.projectPrefix,
  });
  const { projects, generate } = harness;

  describe.each(row.exporters)(`generated ${row.service} with %s exporter`, (exporter, env) => {
    let outcome: Generated;
    beforeAll(async () => {
      outcome = await generate(exporter, env);
    }, 600_000);

    it(row.smoke.title, () => {
      const smoke = outcome.result.pipeline?.smoke;
      expect(smoke, outcome.stderr).toBeDefined();
      expect(
        smoke.checks.filter((c) => !c.ok),
        outcome.stderr,
      ).toEqual([]);
      expect(outcome.code).toBe(0);
      const names = smoke.checks.map((c) => c.name);
      expect(names).toContain('child span');
      row.smoke.extra?.({ names, smoke, outcome, exporter });
      // The report's trace tree is shown to a person too.
      expect(outcome.stderr).toContain('└─ process_item_logic');
    });

    it(row.pytest.title, () => {
      const out = projectPytest(projects[exporter]!, row.pytest.timeoutMs);
      expect(out).toMatch(/\d+ passed/);
      expect(out).not.toMatch(row.pytest.clean);
    });

    row.perExporter?.(exporter, projects);
  });

  describe(`the smoke test fails on a ${row.service} wired wrong`, () => {
    beforeAll(() => {
      if (!existsSync(path.join(projects['otlp-grpc'] ?? '', '.venv')))
        throw new Error('the gRPC project was not generated');
    });

    for (const broken of row.broken) {
      it(broken.name, () => broken.run(harness), broken.timeoutMs);
    }
  });

  return harness;
}
