/**
 * Flask end to end, once per OTLP exporter: generate, install from the package index, run the generated
 * project's own tests, start it under gunicorn (one worker, then two), and check its spans. Then break
 * the gunicorn configuration the ways that lose spans, and check the smoke test (or gunicorn) says so.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { e2eHarness, failing, projectPytest } from '../support/harness.js';

const FRAMEWORK = 'flask';
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

  it('installs and passes every smoke check, with one gunicorn worker and with two', () => {
    const smoke = outcome.result.pipeline?.smoke;
    expect(smoke, outcome.stderr).toBeDefined();
    expect(
      smoke!.checks.filter((c) => !c.ok),
      outcome.stderr,
    ).toEqual([]);
    expect(outcome.code).toBe(0);
    const names = smoke!.checks.map((c) => c.name);
    expect(names).toContain('child span');
    expect(names).toContain('every worker exports (2 workers)');
    expect(names).toContain('nothing lost on SIGTERM (2 workers)');
    // Flask's URL rule names the server span.
    expect(new Set(smoke!.spans.map((s) => s.name))).toEqual(new Set(['GET /process/<item_id>', 'process_item_logic']));
    expect(outcome.stderr).toContain('└─ process_item_logic');
  });

  it("passes the generated project's own pytest suite (gunicorn workers and development servers flush on SIGTERM)", () => {
    const out = projectPytest(projects[exporter]!, 180_000);
    expect(out).toMatch(/\d+ passed/);
    expect(out).not.toMatch(/failed|error|skipped/i);
  });

  it('ships gunicorn.conf.py in the image', () => {
    const dockerfile = readFileSync(path.join(projects[exporter]!, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('COPY gunicorn.conf.py ./gunicorn.conf.py');
    expect(dockerfile).toContain(
      'CMD ["gunicorn","--config","gunicorn.conf.py","--bind","0.0.0.0:8000","app.main:app"]',
    );
  });
});

describe(`the smoke test fails on a ${FRAMEWORK} service wired wrong`, () => {
  beforeAll(() => {
    if (!existsSync(path.join(projects['otlp-grpc'] ?? '', '.venv')))
      throw new Error('the gRPC project was not generated');
  });

  it('workers that exit without flushing lose the buffered spans', async () => {
    const dir = brokenCopy('no-flush', (d) => {
      const conf = path.join(d, 'gunicorn.conf.py');
      // os._exit skips both worker_exit's flush and the atexit hook, like a worker killed outright.
      const text = readFileSync(conf, 'utf8').replace(
        'def worker_exit(server, worker):',
        'def worker_exit(server, worker):\n    import os; os._exit(0)',
      );
      writeFileSync(conf, text);
    });
    const { code, report } = await smokeOf(dir);
    expect(code).toBe(1);
    const failures = failing(report);
    // The batch delay (5 s) is never reached in the run: nothing arrives at all.
    expect(failures['spans received']).toMatch(/never flushed/);
    expect(failures['nothing lost on SIGTERM (2 workers)']).toMatch(/worker_exit/);
  });

  it('a preloaded app (provider built in the master) is refused before any worker serves', async () => {
    const dir = brokenCopy('preload', (d) =>
      appendFileSync(path.join(d, 'gunicorn.conf.py'), '\npreload_app = True  # broken on purpose\n'),
    );
    const { code, report } = await smokeOf(dir);
    expect(code).toBe(1);
    expect(Object.keys(failing(report))).toEqual(['service started']);
    expect(report.serviceOutput).toMatch(/imported in the gunicorn master/);
  });

  it('exclusions not passed to instrument_app', async () => {
    const dir = brokenCopy('no-exclusions', (d) => {
      const main = path.join(d, 'app', 'main.py');
      writeFileSync(main, readFileSync(main, 'utf8').replace('    excluded_urls=EXCLUDED_URLS,\n', ''));
    });
    const { code, report } = await smokeOf(dir);
    expect(code).toBe(1);
    expect(failing(report)['excluded URLs produce no span']).toMatch(/excluded_urls/);
    expect(failing(report)['server span']).toBeUndefined();
  });
});
