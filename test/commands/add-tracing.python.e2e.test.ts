/**
 * add-tracing end to end, once per real-world layout: the built CLI on a git-committed copy of the
 * fixture, with a real install (uv when available) and the real smoke test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  tempDir,
} from '../support/add-tracing.js';

afterAll(removeScratch);

interface Layout {
  name: string;
  /** module:attr the smoke test serves (and the import check imports). */
  app: string;
  appDir?: string;
  factory?: boolean;
  /** Files the first run must change or create, and no others. */
  touched: string[];
  /** The user's own shutdown code writes this line to FIXTURE_SHUTDOWN_MARKER. */
  shutdownMarker?: string;
  /** The app's class (FastAPI unless said). */
  appClass?: string;
  /** Extra flags for the first run (e.g. --route where the route table cannot be read). */
  args?: string[];
  /** The route as the server span names it, when not the URL template (Django: no leading slash). */
  spanRoute?: string;
  /** The project's own (superseded) setup instruments the app too, even with OTEL_SDK_DISABLED. */
  ownInstrumentation?: boolean;
  /** What the import check prints, when not "<appClass> True" (Django's handler carries no mark). */
  imported?: string;
  /** Module names the project also imports the app module by (its tests' `src.app.main`), from the root. */
  alsoImportedAs?: string[];
  /**
   * FastAPI's wiring: its own instrumentation (FastAPI >= 0.142: the construction gets telemetry=) or
   * FastAPIInstrumentor (an older FastAPI).
   */
  fastapiWiring?: 'native' | 'instrumentor';
}

const LAYOUTS: Layout[] = [
  {
    name: 'single-file',
    app: 'main:app',
    touched: ['.create-traced-service.json', 'main.py', 'otel_telemetry.py', 'pyproject.toml'],
  },
  {
    name: 'package-main',
    app: 'app.main:app',
    touched: ['.create-traced-service.json', 'app/main.py', 'app/telemetry.py', 'requirements.txt'],
  },
  {
    name: 'factory',
    app: 'orders_service.app:create_app',
    appDir: 'src',
    factory: true,
    touched: [
      '.create-traced-service.json',
      'pyproject.toml',
      'src/orders_service/app.py',
      'src/orders_service/telemetry.py',
    ],
  },
  {
    name: 'lifespan',
    app: 'app.main:app',
    touched: ['.create-traced-service.json', 'app/main.py', 'app/telemetry.py', 'requirements.txt'],
    shutdownMarker: 'lifespan: shutdown ran',
  },
  {
    name: 'events',
    app: 'api:app',
    touched: ['.create-traced-service.json', 'api.py', 'otel_telemetry.py', 'requirements.txt'],
    shutdownMarker: 'events: shutdown handler ran',
  },
  {
    name: 'poetry',
    app: 'inventory.main:app',
    touched: ['.create-traced-service.json', 'inventory/main.py', 'inventory/telemetry.py', 'pyproject.toml'],
    // fastapi = "^0.115.0": FastAPI older than 0.142 keeps FastAPIInstrumentor.
    fastapiWiring: 'instrumentor',
  },
  {
    // fastapi==0.165.0, built as fastapi.applications.FastAPI(..., telemetry={"exclude": ...}).
    name: 'fastapi-native',
    fastapiWiring: 'native',
    touched: ['.create-traced-service.json', 'requirements.txt', 'shop/api.py', 'shop/telemetry.py'],
    app: 'shop.api:api',
    shutdownMarker: 'parcels: lifespan shutdown ran',
    // The picked route would be /internal/queue, which the app's own exclude hook keeps untraced.
    args: ['--route', '/parcels/{parcel_id}'],
  },
  {
    name: 'requirements-only',
    app: 'service:application',
    touched: ['.create-traced-service.json', 'otel_telemetry.py', 'requirements/base.txt', 'service.py'],
  },
  {
    name: 'wrong-otel',
    ownInstrumentation: true,
    // Its own FastAPIInstrumentor call stays: FastAPI 0.165 is wired with FastAPIInstrumentor, first.
    fastapiWiring: 'instrumentor',
    app: 'app.main:app',
    touched: [
      '.create-traced-service.json',
      'Dockerfile',
      'Procfile',
      'app/main.py',
      'app/telemetry.py',
      'requirements.txt',
    ],
  },
  {
    name: 'starlette-board',
    app: 'board.app:application',
    appClass: 'Starlette',
    args: ['--route', '/messages/{message_id}'],
    touched: ['.create-traced-service.json', 'board/app.py', 'board/telemetry.py', 'requirements.txt'],
    shutdownMarker: 'starlette: shutdown ran',
  },
  {
    name: 'flask-single',
    app: 'app:app',
    appClass: 'Flask',
    // No --route: the route comes from the app's URL map.
    touched: ['.create-traced-service.json', 'app.py', 'otel_telemetry.py', 'requirements.txt'],
  },
  {
    name: 'flask-factory',
    app: 'wsgi:app',
    appClass: 'Flask',
    args: ['--route', '/api/notes'],
    touched: [
      '.create-traced-service.json',
      'gunicorn.conf.py',
      'notes/__init__.py',
      'notes/telemetry.py',
      'requirements.txt',
    ],
    shutdownMarker: 'gunicorn: worker_exit ran',
  },
  {
    name: 'django-site',
    app: 'bookshelf.wsgi:application',
    imported: 'WSGIHandler False',
    spanRoute: 'books/',
    args: ['--route', '/books/'],
    touched: [
      '.create-traced-service.json',
      'bookshelf/asgi.py',
      'bookshelf/telemetry.py',
      'bookshelf/wsgi.py',
      'gunicorn.conf.py',
      'manage.py',
      'requirements.txt',
    ],
  },
  {
    name: 'src-relative',
    app: 'app.main:app',
    appDir: 'src',
    touched: ['.create-traced-service.json', 'pyproject.toml', 'src/app/main.py', 'src/app/telemetry.py'],
    alsoImportedAs: ['src.app.main'],
  },
];

/** Imports the project's own module with the venv the smoke test used, as its server would. */
function importsCleanly(dir: string, layout: Layout, asModule?: string): string {
  const [appModule, attr] = layout.app.split(':') as [string, string];
  const module = asModule ?? appModule;
  const code = [
    'import importlib, sys',
    `sys.path.insert(0, ${JSON.stringify(asModule ? dir : path.join(dir, layout.appDir ?? ''))})`,
    `m = importlib.import_module(${JSON.stringify(module)})`,
    `app = getattr(m, ${JSON.stringify(attr)})${layout.factory ? '()' : ''}`,
    // OTEL_SDK_DISABLED=true (set below): no OpenTelemetry middleware may be installed.
    'otel = getattr(app, "_is_instrumented_by_opentelemetry", False)',
    'print(type(app).__name__, getattr(app, "_create_traced_service_instrumented", False), int(otel))',
  ].join('\n');
  return execFileSync(path.join(dir, '.venv', 'bin', 'python'), ['-c', code], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, OTEL_SDK_DISABLED: 'true', PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** FastAPI's own instrumentation, or FastAPIInstrumentor with its package, as the project's FastAPI calls for. */
function expectFastapiWiring(dir: string, layout: Layout): void {
  const read = (rel: string) => readFileSync(path.join(dir, rel), 'utf8');
  const deps = layout.touched
    .filter((f) => /requirements|pyproject/.test(f))
    .map(read)
    .join('\n');
  const app = read(`${path.join(layout.appDir ?? '', ...layout.app.split(':')[0]!.split('.'))}.py`);
  if (layout.fastapiWiring === 'native') {
    // The app's own telemetry= settings are kept, passed through the module's.
    expect(app).toContain('telemetry=otel_telemetry.fastapi_telemetry({"exclude": _internal})');
    expect(deps).not.toContain('opentelemetry-instrumentation-fastapi');
    // What FastAPI was given: both exclusions, no operation spans, no second exporter, off when disabled.
    const code = [
      'from shop.api import api',
      'c = api._telemetry',
      'scope = lambda p: {"type": "http", "scheme": "http", "path": p, "headers": [(b"host", b"svc")]}',
      'print([c["exclude"](scope(p)) for p in ("/healthz", "/internal/queue", "/parcels/PX-1")],',
      '      c["operation_spans"], c["auto_configure"], c["tracing"], c["logs"])',
    ].join('\n');
    const seen = execFileSync(path.join(dir, '.venv', 'bin', 'python'), ['-c', code], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, OTEL_SDK_DISABLED: 'true', PYTHONDONTWRITEBYTECODE: '1' },
    }).trim();
    expect(seen).toBe('[True, True, False] False False False False');
  } else {
    expect(app).not.toContain('fastapi_telemetry');
    expect(deps).toContain('opentelemetry-instrumentation-fastapi');
  }
}

describe('add-tracing on real-world layouts', () => {
  it.each(LAYOUTS)(
    '$name: dry run writes nothing; the smoke test passes; the code imports; a second run changes nothing',
    async (layout) => {
      const dir = committedCopy(layout.name);
      const pristine = snapshot(dir);

      // --dry-run: the diff, and not one byte written.
      const dry = await addTracing(dir, ['--dry-run', '--json']);
      expect(dry.code, dry.stderr).toBe(0);
      const dryResult = jsonOf(dry);
      expect(dryResult).toMatchObject({ ok: true, dryRun: true, changed: true, written: [] });
      expect(dryResult.changes.map((c: { path: string }) => c.path).sort()).toEqual(layout.touched);
      expect(dryResult.diff).toContain('+++ b/');
      expect(changedFiles(pristine, snapshot(dir))).toEqual([]);
      expect(existsSync(path.join(dir, '.venv'))).toBe(false);

      // The real run: writes, installs, smoke-tests.
      const marker = path.join(tempDir('cts-marker-'), 'shutdown.log');
      const run = await addTracing(dir, ['--yes', '--json', ...(layout.args ?? [])], {
        FIXTURE_SHUTDOWN_MARKER: marker,
      });
      const result = jsonOf(run);
      const failed = (result.pipeline?.smoke?.checks ?? []).filter((c: { ok: boolean }) => !c.ok);
      expect(
        run.code,
        `${JSON.stringify(failed, null, 2)}\n${result.pipeline?.smoke?.serviceOutput ?? ''}\n${run.stderr}`,
      ).toBe(0);
      expect(result.ok).toBe(true);
      expect(result.pipeline.smoke.ok).toBe(true);
      expect(result.pipeline.smoke.checks.map((c: { name: string }) => c.name)).toEqual(
        expect.arrayContaining([
          'server span',
          'inbound traceparent continued',
          'excluded URLs produce no span',
          'all spans delivered by shutdown',
          'graceful stop',
        ]),
      );
      // Only the planned files changed; everything else is byte for byte the same.
      expect(changedFiles(pristine, snapshot(dir))).toEqual(layout.touched);
      const answers = JSON.parse(readFileSync(path.join(dir, '.create-traced-service.json'), 'utf8'));
      expect(answers.existing).toMatchObject({ app: layout.app, route: { template: result.route.template } });
      expect(answers.existing.did.length).toBeGreaterThan(0);
      // The user's own lifespan / shutdown handlers still run, before the flush.
      if (layout.shutdownMarker) expect(readFileSync(marker, 'utf8')).toContain(layout.shutdownMarker);
      if (layout.fastapiWiring) expectFastapiWiring(dir, layout);

      // The project's own code still imports, and the app it builds is instrumented.
      expect(importsCleanly(dir, layout)).toBe(
        `${layout.imported ?? `${layout.appClass ?? 'FastAPI'} True`} ${layout.ownInstrumentation ? 1 : 0}`,
      );
      // ... under every name the project imports it by (its tests import src.app.main from the root).
      for (const name of layout.alsoImportedAs ?? [])
        expect(importsCleanly(dir, layout, name)).toBe(`${layout.appClass ?? 'FastAPI'} True 0`);

      // Twice: no change at all (the smoke test runs again, from the recorded route).
      git(dir, 'add', '-A');
      git(dir, 'commit', '-qm', 'traced');
      const traced = snapshot(dir);
      const again = await addTracing(dir, ['--yes', '--json']);
      expect(again.code, again.stderr).toBe(0);
      expect(jsonOf(again)).toMatchObject({ ok: true, changed: false, changes: [], written: [] });
      expect(changedFiles(traced, snapshot(dir))).toEqual([]);
      expect(git(dir, 'status', '--porcelain')).toBe('');

      // `smoke` on the traced project: the project's own dependencies, start command and recorded route.
      const smoke = await runCli(['smoke', dir, '--json'], { env: E2E_ENV, timeoutMs: 240_000 });
      expect(smoke.code, smoke.stderr).toBe(0);
      expect(jsonOf(smoke).smoke.checks.find((c: { name: string }) => c.name === 'server span').detail).toContain(
        `GET ${layout.spanRoute ?? result.route.template}`,
      );
      expect(changedFiles(traced, snapshot(dir))).toEqual([]);

      // And the diagnosis is clean.
      const doctor = await runCli(['doctor', dir, '--json'], { env: E2E_ENV });
      expect(doctor.code, doctor.stdout).toBe(0);
      expect(jsonOf(doctor).findings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([]);
    },
    240_000,
  );
});

describe('add-tracing --route', () => {
  it('a concrete path gets its template from the route table, is recorded, and repeating it changes nothing', async () => {
    const dir = committedCopy('poetry');
    const first = await addTracing(dir, ['--yes', '--json', '--route', '/stock/ABC-1']);
    expect(first.code, first.stderr).toBe(0);
    expect(jsonOf(first).route).toEqual({ template: '/stock/{sku}', path: '/stock/ABC-1' });
    const answers = JSON.parse(readFileSync(path.join(dir, '.create-traced-service.json'), 'utf8'));
    expect(answers.existing.route).toEqual({ path: '/stock/ABC-1', template: '/stock/{sku}' });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'traced');
    const again = await addTracing(dir, ['--yes', '--json', '--no-smoke', '--route', '/stock/ABC-1']);
    expect(again.code, again.stderr).toBe(0);
    expect(jsonOf(again).changed).toBe(false);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });
});

describe('add-tracing when the install fails', () => {
  it('prints a command that reruns it, and the file it names is still there', async () => {
    const dir = committedCopy('single-file', (d) => {
      const file = path.join(d, 'pyproject.toml');
      const text = readFileSync(file, 'utf8').replace(
        '"fastapi>=0.115",',
        '"fastapi>=0.115",\n    "cts-no-such-package-e2e==1.0",',
      );
      writeFileSync(file, text);
    });
    const run = await addTracing(dir, ['--yes', '--no-project-tests']);
    expect(run.code, run.stderr).toBe(1);
    const rerun = /Rerun it with:\n\s+cd (\S+) && (.+)\n/.exec(run.stdout + run.stderr);
    expect(rerun, run.stdout + run.stderr).not.toBeNull();
    const file = / -r (\S+)/.exec(rerun![2]!)![1]!;
    expect(existsSync(path.resolve(rerun![1]!, file))).toBe(true);
    expect(readFileSync(path.resolve(rerun![1]!, file), 'utf8')).toContain('cts-no-such-package-e2e==1.0');
  });
});

describe('add-tracing on a Django project whose settings do not import', () => {
  it("shows the settings' own error, which runserver would hide behind its default settings", async () => {
    const dir = committedCopy('django-site', (d) => {
      // Served by manage.py runserver: no gunicorn.
      rmSync(path.join(d, 'Procfile'));
      writeFileSync(path.join(d, 'requirements.txt'), 'Django>=5.0,<6\n');
      const file = path.join(d, 'bookshelf', 'settings.py');
      writeFileSync(file, `from .local_secrets import *  # noqa: F403\n${readFileSync(file, 'utf8')}`);
    });
    const run = await addTracing(dir, ['--yes', '--no-project-tests', '--route', '/books/']);
    const output = run.stdout + run.stderr;
    expect(run.code, output).toBe(1);
    expect(output).toMatch(/No module named 'bookshelf\.local_secrets'/);
    expect(output).not.toMatch(/ALLOWED_HOSTS/);
  });
});
