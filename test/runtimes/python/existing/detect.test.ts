import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeTarget } from '../../../../src/runtimes/python/existing/candidates.js';
import { detectProject } from '../../../../src/runtimes/python/existing/detect.js';
import { diagnose } from '../../../../src/runtimes/python/existing/diagnose.js';
import { refuseUnworkable } from '../../../../src/runtimes/python/existing/refuse.js';
import { getFramework } from '../../../../src/catalog/frameworks/index.js';
import { findStartCommands, removeWrapper } from '../../../../src/runtimes/python/existing/start-commands.js';
import { REPO_ROOT, scratchDir } from '../../../support/helpers.js';
import { hasErrors } from '../../../../src/pipeline/findings.js';

export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'existing');
const fixture = (name: string) => path.join(FIXTURES, name);

function project(files: Record<string, string>): string {
  const dir = scratchDir('cts-detect-');
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

const codes = (findings: ReturnType<typeof diagnose>, severity?: string) =>
  findings.filter((f) => !severity || f.severity === severity).map((f) => f.code);

describe('detect: the fixture layouts', () => {
  it.each([
    ['single-file', 'main:app', 'main.py:4', 'pep621'],
    ['package-main', 'app.main:app', 'app/main.py:5', 'requirements'],
    ['factory', 'orders_service.app:create_app (factory)', 'src/orders_service/app.py:15', 'pep621'],
    ['lifespan', 'app.main:app', 'app/main.py:27', 'requirements'],
    ['events', 'api:app', 'api.py:7', 'requirements'],
    ['poetry', 'inventory.main:app', 'inventory/main.py:3', 'poetry'],
    ['requirements-only', 'service:application', 'service.py:4', 'requirements'],
    ['wrong-otel', 'app.main:app', 'app/main.py:5', 'requirements'],
  ])('%s: app %s built at %s, dependencies in %s form', async (name, serve, id, kind) => {
    const report = await detectProject(fixture(name));
    expect(report.framework?.name).toBe('fastapi');
    expect(report.selected?.id).toBe(id);
    expect(describeTarget(report.selectedServe!)).toBe(serve);
    expect(report.dependencyFiles.map((f) => f.kind)).toContain(kind);
    expect(report.syntaxErrors).toEqual([]);
  });

  it('reads the factory start command (Procfile) with its --app-dir', async () => {
    const report = await detectProject(fixture('factory'));
    expect(report.selectedServe).toMatchObject({
      module: 'orders_service.app',
      attr: 'create_app',
      factory: true,
      appDir: 'src',
      source: 'start-command',
    });
    expect(report.selected!.construction.function).toBe('create_app');
  });

  it('sees an existing lifespan and startup/shutdown handlers', async () => {
    const lifespan = await detectProject(fixture('lifespan'));
    expect(lifespan.selected!.construction.lifespan).toEqual({ source: 'lifespan', line: 29 });
    const events = await detectProject(fixture('events'));
    expect(events.selected!.eventHandlers.map((h) => [h.event, h.function])).toEqual([
      ['startup', 'connect'],
      ['shutdown', 'disconnect'],
    ]);
  });

  it('a module-level app built by a factory is served by name; the factory is where it gets instrumented', async () => {
    const dir = project({
      'svc/__init__.py': '',
      'svc/factory.py': 'from fastapi import FastAPI\n\ndef build():\n    return FastAPI()\n',
      'svc/main.py': 'from svc.factory import build\n\napp = build()\n',
    });
    const report = await detectProject(dir);
    expect(report.selected!.construction).toMatchObject({ kind: 'return', function: 'build' });
    expect(describeTarget(report.selectedServe!)).toBe('svc.main:app');
  });

  it('a factory app beside assignments from calls on calls, literals and subscripts (not dotted names)', async () => {
    const dir = project({
      'svc/__init__.py': '',
      'svc/factory.py':
        'from fastapi import FastAPI\n\ndef build():\n    return FastAPI(title="-".join(["a", "b"]).upper())\n',
      'svc/main.py': 'from svc.factory import build\n\napp = build()\nprint(", ".join(["a"]).upper())\n',
      'svc/ids.py': [
        'import uuid',
        '',
        'def new_id(prefix: str) -> str:',
        '    value = str(f"{prefix}{uuid.uuid4().hex}").lower()',
        '    return value',
        '',
        'SEPARATOR = ", ".join(["a", "b"])',
        'HANDLERS = {"x": print}["x"]("y")',
        '',
      ].join('\n'),
    });
    const report = await detectProject(dir);
    expect(report.selected!.construction).toMatchObject({ kind: 'return', function: 'build' });
    expect(describeTarget(report.selectedServe!)).toBe('svc.main:app');
    expect(codes(diagnose(report), 'error')).toEqual(['not-instrumented']);
  });

  it.each([
    [
      'UTF-16 with a BOM, as a Windows pip freeze writes it',
      Buffer.from('\ufeffflask==3.1.0\r\n', 'utf16le'),
      'UTF-16',
    ],
    ['Latin-1', Buffer.from('flask==3.1.0  # caf\xe9\n', 'latin1'), 'not UTF-8'],
  ])('a requirements file in %s is named, refused and never edited', async (_, bytes, reason) => {
    const dir = project({ 'app.py': 'from flask import Flask\n\napp = Flask(__name__)\n' });
    writeFileSync(path.join(dir, 'requirements.txt'), bytes);
    const report = await detectProject(dir);
    expect(report.unreadableDependencyFiles).toEqual([
      { path: 'requirements.txt', reason: expect.stringContaining(reason) },
    ]);
    expect(diagnose(report).find((f) => f.code === 'unreadable-dependency-file')).toMatchObject({
      severity: 'error',
      where: 'requirements.txt',
    });
    expect(() => refuseUnworkable(report)).toThrow(/^cannot read requirements\.txt \(.*\).*convert it to UTF-8/);
  });

  it.each([
    ['flask_openapi3', 'OpenAPI'],
    ['apiflask', 'APIFlask'],
  ])('an app built from %s.%s (a Flask subclass) is a Flask app', async (module, cls) => {
    const dir = project({
      'requirements.txt': `${module.replace('_', '-')}\n`,
      'web.py': `from ${module} import ${cls}\n\n\ndef create_app():\n    app = ${cls}(__name__)\n    return app\n`,
      'wsgi.py': 'from web import create_app\n\napp = create_app()\n',
    });
    const report = await detectProject(dir);
    expect(report.selected?.construction).toMatchObject({ framework: 'flask', function: 'create_app' });
    expect(describeTarget(report.selectedServe!)).toBe('wsgi:app');
  });

  it('a Django project in a subdirectory: doctor says to run there, as add-tracing does', async () => {
    const dir = project({
      'requirements.txt': 'django\n',
      'svc/manage.py':
        'import os, sys\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")\n' +
        'from django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n',
      'svc/proj/__init__.py': '',
      'svc/proj/settings.py': 'SECRET_KEY = "x"\nROOT_URLCONF = "proj.urls"\n',
      'svc/proj/urls.py': 'urlpatterns = []\n',
      'svc/proj/wsgi.py':
        'import os\nfrom django.core.wsgi import get_wsgi_application\n' +
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")\napplication = get_wsgi_application()\n',
    });
    const report = await detectProject(dir);
    const finding = diagnose(report).find((f) => f.code === 'django-settings-elsewhere');
    expect(finding).toMatchObject({ severity: 'error', fix: expect.stringContaining('doctor svc') });
    expect(() => refuseUnworkable(report)).toThrow(/settings module proj\.settings .* is not a file in this project/);
    // In its own directory, nothing of the kind.
    const inside = await detectProject(path.join(dir, 'svc'));
    expect(codes(diagnose(inside))).not.toContain('django-settings-elsewhere');
  });

  it('an app outside any package that imports its neighbours by name is served from its own directory', async () => {
    const dir = project({
      'svc/requirements.txt': 'flask>=3\n',
      'svc/greetings.py': 'def hello():\n    return "hello"\n',
      'svc/server.py': 'from flask import Flask\nfrom greetings import hello\n\napp = Flask(__name__)\n',
      'tools/report.py': 'import json\n',
    });
    const report = await detectProject(dir);
    expect(report.selectedServe).toMatchObject({ module: 'server', attr: 'app', appDir: 'svc' });
    expect(getFramework('flask').existing.serverCommand(report.selectedServe!, {})).toEqual(
      expect.arrayContaining(['--app', 'svc/server.py:app']),
    );
    // A module that imports only installed packages keeps the project root.
    expect(report.files.find((f) => f.path === 'tools/report.py')).toMatchObject({
      importRoot: '',
      module: 'tools.report',
    });
  });

  it('several apps: a mounted one is traced through its parent; two roots are ambiguous and name --app', async () => {
    const mounted = await detectProject(
      project({ 'main.py': 'from fastapi import FastAPI\n\nv2 = FastAPI()\napp = FastAPI()\napp.mount("/v2", v2)\n' }),
    );
    expect(describeTarget(mounted.selectedServe!)).toBe('main:app');
    expect(mounted.candidates.find((c) => c.construction.target === 'v2')!.mountedIn).toBe('main.py:5');
    expect(codes(diagnose(mounted))).toContain('mounted-app');

    const two = project({
      'a.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
      'b.py': 'import fastapi\nadmin = fastapi.FastAPI()\n',
    });
    const ambiguous = await detectProject(two);
    expect(ambiguous.selected).toBeUndefined();
    expect(ambiguous.ambiguity).toMatch(/found 2 FastAPI apps .*a:app.*b:admin/);
    expect(diagnose(ambiguous).find((f) => f.code === 'ambiguous-app')!.fix).toMatch(/--app module:attr/);
    // --app decides, and a wrong --app says what exists.
    expect(describeTarget((await detectProject(two, { app: 'b:admin' })).selectedServe!)).toBe('b:admin');
    expect((await detectProject(two, { app: 'c:nope' })).ambiguity).toMatch(
      /--app c:nope does not name an app .*found: a:app, b:admin/,
    );
  });

  it('reports syntax errors and skips virtualenvs', async () => {
    const dir = project({
      'main.py': 'from fastapi import FastAPI\napp = FastAPI(\n',
      '.venv/lib/x.py': 'app = FastAPI()\n',
      'requirements.txt': 'fastapi\n',
    });
    const report = await detectProject(dir);
    expect(report.syntaxErrors).toEqual([
      { path: 'main.py', line: expect.any(Number), message: expect.stringMatching(/never closed|unexpected EOF/) },
    ]);
    expect(report.files.map((f) => f.path)).toEqual(['main.py']);
    expect(codes(diagnose(report), 'error')).toEqual(['syntax-error', 'no-app']);
  });

  it('no app at all', async () => {
    const report = await detectProject(project({ 'README.md': '# hi\n', 'tool.py': 'print("x")\n' }));
    expect(report.framework).toBeUndefined();
    expect(codes(diagnose(report))).toEqual(['no-app']);
  });
});

describe('diagnose', () => {
  it('a plain app: not instrumented, nothing else', async () => {
    const findings = diagnose(await detectProject(fixture('package-main')));
    expect(codes(findings, 'error')).toEqual(['not-instrumented']);
  });

  it("the wrong setup, in the guide's terms", async () => {
    const findings = diagnose(await detectProject(fixture('wrong-otel')));
    expect(codes(findings, 'error').sort()).toEqual(
      [
        'cli-wrapper',
        'cli-wrapper',
        'health-not-excluded',
        'no-flush',
        'provider-after-app',
        'simple-span-processor',
        'version-mismatch',
      ].sort(),
    );
    // FastAPI 0.165 traces itself too, but stands aside for the instrumentor's middleware.
    expect(codes(findings, 'warning')).toEqual(['implicit-provider', 'no-metrics', 'no-logs', 'two-instrumentations']);
    const byCode = (c: string) => findings.find((f) => f.code === c)!;
    expect(byCode('simple-span-processor').where).toBe('app/tracing.py:10');
    expect(byCode('simple-span-processor').message).toMatch(/SimpleSpanProcessor with OTLPSpanExporter/);
    expect(byCode('provider-after-app').where).toBe('app/main.py:6');
    expect(byCode('version-mismatch').message).toMatch(/0\.58b0 was not released with opentelemetry-sdk==1\.39\.1/);
    expect(findings.filter((f) => f.code === 'cli-wrapper').map((f) => f.where)).toEqual([
      'Dockerfile:5',
      'Procfile:1',
    ]);
    expect(hasErrors(findings)).toBe(true);
  });
});

describe('start commands', () => {
  it('finds servers, apps and the launcher in shell, exec and Procfile forms', () => {
    expect(
      findStartCommands(
        'Dockerfile',
        'RUN pip install uvicorn fastapi\nCMD ["uvicorn", "app.main:app", "--port", "80"]\n',
      ),
    ).toMatchObject([{ line: 2, server: 'uvicorn', app: 'app.main:app', factory: false, wrapper: false }]);
    expect(
      findStartCommands(
        'Procfile',
        'web: opentelemetry-instrument gunicorn -k uvicorn.workers.UvicornWorker svc.main:create_app() --chdir src\n',
      ),
    ).toMatchObject([{ server: 'gunicorn', app: 'svc.main:create_app', factory: true, appDir: 'src', wrapper: true }]);
    expect(findStartCommands('start.sh', 'exec python -m uvicorn --factory a.b:make\n')[0]).toMatchObject({
      server: 'uvicorn',
      app: 'a.b:make',
      factory: true,
    });
  });

  it('removes the launcher and its options, nothing else', () => {
    expect(removeWrapper('CMD opentelemetry-instrument --traces_exporter otlp uvicorn app:app  # run')).toBe(
      'CMD uvicorn app:app  # run',
    );
    expect(removeWrapper('CMD ["opentelemetry-instrument", "--service_name=x", "uvicorn", "app:app"]')).toBe(
      'CMD ["uvicorn", "app:app"]',
    );
    expect(removeWrapper('  command: /venv/bin/opentelemetry-instrument python -m uvicorn app:app')).toBe(
      '  command: python -m uvicorn app:app',
    );
  });
});

describe('diagnose: a provider set after the app is built', () => {
  it('inside a factory, through a setup function defined in another module', async () => {
    const dir = project({
      'svc/__init__.py': '',
      'svc/otel.py':
        'from opentelemetry import trace\nfrom opentelemetry.sdk.trace import TracerProvider\nfrom opentelemetry.sdk.trace.export import BatchSpanProcessor\n\n' +
        'def init_tracing():\n    provider = TracerProvider()\n    provider.add_span_processor(BatchSpanProcessor(None))\n    trace.set_tracer_provider(provider)\n',
      'svc/main.py':
        'from fastapi import FastAPI\nfrom opentelemetry.instrumentation.fastapi import FastAPIInstrumentor\nfrom svc.otel import init_tracing\n\n' +
        'def create_app():\n    app = FastAPI()\n    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz")\n    init_tracing()\n    return app\n',
    });
    const findings = diagnose(await detectProject(dir));
    const late = findings.find((f) => f.code === 'provider-after-app')!;
    expect(late.where).toBe('svc/main.py:8');
    expect(late.message).toMatch(
      /init_tracing\(\) \(which sets the tracer provider\) runs after FastAPI\(\) at svc\/main\.py:6/,
    );
    expect(codes(findings, 'error').sort()).toEqual(['no-flush', 'provider-after-app']);
    expect(codes(findings, 'warning')).toEqual(['implicit-provider', 'no-metrics', 'no-logs']);
  });
});
