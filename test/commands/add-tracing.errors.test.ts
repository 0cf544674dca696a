/** Input add-tracing cannot handle: one clear line, a non-zero exit, and not one byte changed. */
import { appendFileSync, chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/helpers.js';
import {
  addTracing,
  changedFiles,
  committedCopy,
  E2E_ENV,
  git,
  jsonOf,
  removeScratch,
  snapshot,
} from '../support/add-tracing.js';

afterAll(removeScratch);

/** Exit 2, exactly one line on stderr matching `message`, the tree unchanged. */
async function refuses(dir: string, args: string[], message: RegExp): Promise<void> {
  const before = snapshot(dir);
  const r = await addTracing(dir, ['--no-install', ...args]);
  expect(r.code, r.stdout + r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(message);
  expect(changedFiles(before, snapshot(dir))).toEqual([]);
  expect(existsSync(path.join(dir, '.venv'))).toBe(false);
}

describe('add-tracing refuses what it cannot handle, changing nothing', () => {
  it('no Python app', async () => {
    const dir = committedCopy(null, (d) => {
      writeFileSync(path.join(d, 'README.md'), '# just docs\n');
      writeFileSync(path.join(d, 'tool.py'), 'print("not a web app")\n');
    });
    await refuses(
      dir,
      ['--yes'],
      /no app found in .*no module constructs FastAPI\(...\), Starlette\(...\).*run it in the service's directory \(.*--app picks among the apps found.*\) — nothing was changed$/,
    );
  });

  it("a syntax error in the user's code", async () => {
    const dir = committedCopy('single-file', (d) =>
      appendFileSync(path.join(d, 'main.py'), '\ndef broken(:\n    pass\n'),
    );
    await refuses(
      dir,
      ['--yes'],
      /cannot parse main\.py:\d+ with Python [\d.]+ .*fix the syntax error .*install that Python with pyenv or uv.* — nothing was changed$/,
    );
  });

  it('a read-only file it would have to change', async () => {
    const dir = committedCopy('package-main', (d) => chmodSync(path.join(d, 'app', 'main.py'), 0o444));
    await refuses(dir, ['--yes'], /app\/main\.py is read-only; make it writable .* nothing was changed$/);
  });

  it('uncommitted changes in a file it would touch (unless --force)', async () => {
    const dir = committedCopy('package-main');
    appendFileSync(path.join(dir, 'requirements.txt'), 'httpx==0.28.1\n');
    await refuses(
      dir,
      ['--yes'],
      /uncommitted changes in requirements\.txt: commit or stash them first, or pass --force/,
    );
    // An unrelated dirty file does not matter, and --force writes anyway (keeping the user's line).
    const forced = await addTracing(dir, ['--yes', '--force', '--no-install']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(git(dir, 'diff', '--', 'requirements.txt')).toContain('+httpx==0.28.1');
  });

  it('writing without a terminal needs --yes', async () => {
    await refuses(committedCopy('events'), [], /pass --yes to write them \(or --dry-run to only see the diff\)/);
  });

  it('several apps without a start command naming one: asks for --app, which then works', async () => {
    const dir = committedCopy(null, (d) => {
      writeFileSync(path.join(d, 'public.py'), 'from fastapi import FastAPI\napp = FastAPI()\n');
      writeFileSync(path.join(d, 'admin.py'), 'from fastapi import FastAPI\nadmin = FastAPI()\n');
    });
    await refuses(dir, ['--yes'], /found 2 FastAPI apps .*pass --app module:attr$/);
    await refuses(dir, ['--yes', '--app', 'nope:app'], /--app nope:app does not name an app built in this project/);
    const r = await addTracing(dir, ['--yes', '--no-install', '--app', 'admin:admin', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonOf(r).changes.map((c: { path: string }) => c.path)).toContain('admin.py');
  });

  it('a Django project without a WSGI or ASGI entry point', async () => {
    const dir = committedCopy(null, (d) => {
      writeFileSync(path.join(d, 'requirements.txt'), 'django==5.1\n');
      writeFileSync(
        path.join(d, 'manage.py'),
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site.settings")\n',
      );
    });
    await refuses(
      dir,
      ['--yes'],
      /Django detected \(django ==5\.1 .*\) but no module calls get_wsgi_application\(\) or get_asgi_application\(\); add the project's wsgi\.py/,
    );
  });

  it('a Django project whose settings module cannot be found', async () => {
    const dir = committedCopy('django-site', (d) => {
      for (const f of ['manage.py', 'bookshelf/wsgi.py', 'bookshelf/asgi.py']) {
        const file = path.join(d, f);
        writeFileSync(file, readFileSync(file, 'utf8').replace('"bookshelf.settings"', '"bookshelf.production"'));
      }
    });
    await refuses(
      dir,
      ['--yes'],
      /the Django settings module bookshelf\.production \(from manage\.py:9\) is not a file in this project/,
    );
  });

  it('gunicorn preloading the app in its master', async () => {
    const dir = committedCopy('flask-factory', (d) => {
      writeFileSync(path.join(d, 'gunicorn.conf.py'), 'workers = 2\npreload_app = True\n');
    });
    await refuses(
      dir,
      ['--yes'],
      /gunicorn preloads the app in its master \(gunicorn\.conf\.py:2 \(preload_app = True\)\).*drop preload_app/,
    );
  });

  it('bad flags', async () => {
    const dir = committedCopy('events');
    await refuses(dir, ['--yes', '--route', 'ready'], /--route "ready" must be a path starting with \//);
    await refuses(dir, ['--yes', '--sampler-ratio', '7'], /--sampler-ratio: must be a number between 0 and 1/);
  });
});

describe('doctor', () => {
  it('names a SimpleLogRecordProcessor, and no missing signal when all three are set up', async () => {
    const dir = committedCopy('sync-logs');
    const json = jsonOf(await runCli(['doctor', dir, '--json'], { env: E2E_ENV }));
    const codes = json.findings.map((f: { code: string }) => f.code);
    expect(codes).toContain('simple-log-processor');
    expect(codes).not.toContain('no-metrics');
    expect(codes).not.toContain('no-logs');
    expect(json.ok).toBe(false);
  });

  it("exits 1 on a wrong setup, listing the problems in the guide's terms, and changes nothing", async () => {
    const dir = committedCopy('wrong-otel');
    const before = snapshot(dir);
    const r = await runCli(['doctor', dir], { env: E2E_ENV });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('opentelemetry-instrument CLI wrapper');
    expect(r.stdout).toContain('SimpleSpanProcessor with OTLPSpanExporter');
    expect(r.stdout).toContain('no flush on shutdown');
    expect(r.stdout).toContain('mismatched OpenTelemetry versions');
    expect(r.stdout).toContain('health checks are not excluded');
    expect(r.stdout).toContain('a provider is set after the app is built');
    // Traces only: the other two signals are named too, as warnings.
    expect(r.stdout).toContain('traces only, no MeterProvider');
    expect(r.stdout).toContain('traces only, no LoggerProvider');
    // FastAPI 0.165 traces itself as well; it stands aside for FastAPIInstrumentor's middleware.
    expect(r.stdout).toContain("FastAPIInstrumentor.instrument_app() and FastAPI's own instrumentation are both on");
    expect(r.stdout).toMatch(/7 problems, 4 warnings/);
    const json = jsonOf(await runCli(['doctor', dir, '--json'], { env: E2E_ENV }));
    expect(json.ok).toBe(false);
    expect(json.project.app.serve).toMatchObject({ module: 'app.main', attr: 'app' });
    expect(changedFiles(before, snapshot(dir))).toEqual([]);
  });

  it('exits 1 when there is no app, 2 when the directory does not exist', async () => {
    const empty = committedCopy(null);
    expect((await runCli(['doctor', empty], { env: E2E_ENV })).code).toBe(1);
    const missing = await runCli(['doctor', path.join(empty, 'nope')], { env: E2E_ENV });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(/^error: .*nope does not exist$/);
  });
});
