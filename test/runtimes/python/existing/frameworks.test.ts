import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectProject } from '../../../../src/runtimes/python/existing/detect.js';
import { diagnose } from '../../../../src/runtimes/python/existing/diagnose.js';
import { DETECTION } from '../../../../src/runtimes/python/existing/frameworks.js';
import { withGunicornHooks } from '../../../../src/runtimes/python/existing/gunicorn.js';
import { planChanges, type PatchInputs } from '../../../../src/runtimes/python/existing/patch.js';
import { renderTelemetryModule } from '../../../../src/runtimes/python/existing/telemetry-module.js';
import { django as djangoDescriptor } from '../../../../src/catalog/frameworks/django.js';
import { parseServiceOptions } from '../../../../src/options/schema.js';
import { corePackages, otelLine } from '../../../../src/catalog/python-sets.js';
import { PYTHON_FRAMEWORKS } from '../../../../src/catalog/frameworks/index.js';
import { REPO_ROOT, runCli, scratchDir } from '../../../support/helpers.js';
import { hasErrors } from '../../../../src/pipeline/findings.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'existing');

function project(files: Record<string, string>): string {
  const dir = scratchDir('cts-fw-');
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

const djangoOptions = parseServiceOptions({ serviceName: 'svc', framework: 'django' });
const djangoLine = otelLine('1.45');
const djangoInputs: PatchInputs = {
  renderTelemetry: (p) => renderTelemetryModule(djangoOptions, p, 'cfg.wsgi'),
  line: djangoLine,
  lineName: '1.45',
  wanted: [...corePackages(djangoLine, 'otlp-grpc'), ...djangoDescriptor.packages(djangoLine)],
  frameworkDistributions: ['django'],
  optionsChanged: false,
};

const codes = (findings: ReturnType<typeof diagnose>, severity: string) =>
  findings.filter((f) => f.severity === severity).map((f) => f.code);

describe('one framework registry', () => {
  it('detection is read from the framework descriptors', () => {
    expect(DETECTION.map((d) => [d.name, d.distributions])).toEqual(
      PYTHON_FRAMEWORKS.map((f) => [f.name, f.detectDistributions]),
    );
  });

  it('a FastAPI project that also lists Starlette is a FastAPI project; a Starlette one is Starlette', async () => {
    const both = await detectProject(
      project({
        'requirements.txt': 'fastapi==0.115.0\nstarlette==0.40.0\n',
        'main.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
      }),
    );
    expect(both.framework?.name).toBe('fastapi');
    const plain = await detectProject(
      project({
        'requirements.txt': 'starlette==0.40.0\n',
        'main.py': 'from starlette.applications import Starlette\napp = Starlette()\n',
      }),
    );
    expect(plain.framework?.name).toBe('starlette');
    expect(plain.selected?.id).toBe('main.py:2');
  });
});

describe('doctor: a wrongly wired Starlette app', () => {
  it('names the missing provider, the blocking processor and the missing flush', async () => {
    const dir = project({
      'requirements.txt': 'starlette==0.40.0\nopentelemetry-sdk\nopentelemetry-instrumentation-starlette\n',
      'main.py': [
        'from opentelemetry.instrumentation.starlette import StarletteInstrumentor',
        'from opentelemetry.sdk.trace import TracerProvider',
        'from opentelemetry.sdk.trace.export import SimpleSpanProcessor',
        'from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter',
        'from starlette.applications import Starlette',
        'provider = TracerProvider()',
        'provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter()))',
        'app = Starlette()',
        'StarletteInstrumentor.instrument_app(app)',
        '',
      ].join('\n'),
    });
    const findings = diagnose(await detectProject(dir));
    expect(hasErrors(findings)).toBe(true);
    expect(codes(findings, 'error')).toEqual(
      expect.arrayContaining(['simple-span-processor', 'no-flush', 'health-not-excluded']),
    );
    expect(codes(findings, 'warning')).toContain('implicit-provider');
    expect(codes(findings, 'error')).not.toContain('not-instrumented');
  });

  it('an uninstrumented Starlette app is reported as such', async () => {
    const dir = project({
      'requirements.txt': 'starlette\n',
      'app.py': 'from starlette.applications import Starlette\napp = Starlette()\n',
    });
    const findings = diagnose(await detectProject(dir));
    expect(findings.find((f) => f.code === 'not-instrumented')?.message).toContain(
      'StarletteInstrumentor.instrument_app(app) after Starlette()',
    );
  });
});

describe('Flask', () => {
  it('doctor: a globally patched Flask with a blocking processor and no flush', async () => {
    const dir = project({
      'requirements.txt': 'flask==3.1.0\nopentelemetry-sdk==1.45.1\nopentelemetry-instrumentation-flask==0.66b1\n',
      'app.py': [
        'from flask import Flask',
        'from opentelemetry import trace',
        'from opentelemetry.instrumentation.flask import FlaskInstrumentor',
        'from opentelemetry.sdk.trace import TracerProvider',
        'from opentelemetry.sdk.trace.export import SimpleSpanProcessor',
        'from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter',
        'FlaskInstrumentor().instrument()',
        'app = Flask(__name__)',
        'provider = TracerProvider()',
        'provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter()))',
        'trace.set_tracer_provider(provider)',
        '',
      ].join('\n'),
    });
    const report = await detectProject(dir);
    expect(report.framework?.name).toBe('flask');
    const findings = diagnose(report);
    expect(hasErrors(findings)).toBe(true);
    expect(codes(findings, 'warning')).toContain('global-instrument');
    expect(codes(findings, 'error')).toEqual(expect.arrayContaining(['simple-span-processor', 'no-flush']));
  });

  it('a create_app() factory served through wsgi.py is found and instrumented inside the factory', async () => {
    const report = await detectProject(path.join(FIXTURES, 'flask-factory'));
    expect(report.selected?.id).toBe('notes/__init__.py:9');
    expect(report.selected?.construction.function).toBe('create_app');
    expect(report.selectedServe).toMatchObject({ module: 'wsgi', attr: 'app', factory: false });
  });
});

describe('gunicorn hooks', () => {
  const hooks = '\n\n# --- create-traced-service add-tracing: gunicorn hooks ---\nworker_exit = 1\n';
  it("are appended after the project's own settings, once, keeping its line endings", () => {
    const own = 'workers = 2\r\ndef worker_exit(server, worker):\r\n    pass\r\n';
    const once = withGunicornHooks(own, hooks);
    expect(once.startsWith(own)).toBe(true);
    expect(once.replace(/\r\n/g, '')).not.toContain('\n');
    expect(withGunicornHooks(once, hooks)).toBe(once);
  });

  it('a project with gunicorn and no config gets ./gunicorn.conf.py, which gunicorn reads by default', () => {
    expect(withGunicornHooks(undefined, hooks)).toBe(
      '# --- create-traced-service add-tracing: gunicorn hooks ---\nworker_exit = 1\n',
    );
  });

  it("compose with the existing hooks: both run, the project's first", () => {
    const dir = project({});
    const own = 'calls = []\ndef worker_exit(server, worker):\n    calls.append("theirs")\n';
    const rendered = readFileSync(
      path.join(REPO_ROOT, 'templates', 'add-tracing', 'gunicorn-hooks.py.hbs'),
      'utf8',
    ).replace('{{marker}}', 'm');
    const config = withGunicornHooks(own, rendered);
    const script = [
      'import sys, types',
      'ns = {}',
      `exec(open(${JSON.stringify(path.join(dir, 'gunicorn.conf.py'))}).read(), ns)`,
      'telemetry = types.ModuleType("t")',
      'telemetry.CREATE_TRACED_SERVICE_TELEMETRY = True',
      'telemetry.SHUTDOWN_TIMEOUT_MILLIS = 5',
      'telemetry.shutdown_telemetry = lambda timeout_millis: ns["calls"].append("flush")',
      'sys.modules["t"] = telemetry',
      'ns["worker_exit"](None, None)',
      'print(",".join(ns["calls"]))',
    ].join('\n');
    writeFileSync(path.join(dir, 'gunicorn.conf.py'), config);
    const out = execFileSync('python3', ['-c', script], { encoding: 'utf8' }).trim();
    expect(out).toBe('theirs,flush');
  });
});

describe('Django', () => {
  it('finds the settings module from manage.py and every entry point', async () => {
    const report = await detectProject(path.join(FIXTURES, 'django-site'));
    expect(report.framework?.name).toBe('django');
    expect(report.django).toMatchObject({
      settingsModule: 'bookshelf.settings',
      settingsFile: 'bookshelf/settings.py',
      source: 'manage.py:9',
    });
    expect(report.django?.entryFiles.sort()).toEqual(['bookshelf/asgi.py', 'bookshelf/wsgi.py', 'manage.py']);
    expect(report.selectedServe).toMatchObject({ module: 'bookshelf.wsgi', attr: 'application' });
  });

  it('doctor: instrumented after the handler is built, with a blocking processor', async () => {
    const dir = project({
      'requirements.txt': 'django==5.1\n',
      'site_cfg/__init__.py': '',
      'site_cfg/settings.py': 'SECRET_KEY = "x"\n',
      'site_cfg/wsgi.py': [
        'import os',
        'from django.core.wsgi import get_wsgi_application',
        'from opentelemetry.instrumentation.django import DjangoInstrumentor',
        'from opentelemetry.sdk.trace import TracerProvider',
        'from opentelemetry.sdk.trace.export import SimpleSpanProcessor',
        'from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter',
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")',
        'provider = TracerProvider()',
        'provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter()))',
        'application = get_wsgi_application()',
        'DjangoInstrumentor().instrument(tracer_provider=provider)',
        '',
      ].join('\n'),
    });
    const findings = diagnose(await detectProject(dir));
    expect(codes(findings, 'error')).toEqual(
      expect.arrayContaining(['django-instrument-late', 'simple-span-processor', 'no-flush']),
    );
    expect(codes(findings, 'error')).not.toContain('not-instrumented');
  });
});

describe('doctor (the CLI) on a wrongly wired service of each framework', () => {
  const provider = [
    'from opentelemetry.sdk.trace import TracerProvider',
    'from opentelemetry.sdk.trace.export import SimpleSpanProcessor',
    'from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter',
    'provider = TracerProvider()',
    'provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter()))',
  ];
  it.each([
    [
      'fastapi',
      {
        'requirements.txt': 'fastapi\n',
        'main.py': [...provider, 'from fastapi import FastAPI', 'app = FastAPI()', ''].join('\n'),
      },
    ],
    [
      'starlette',
      {
        'requirements.txt': 'starlette\n',
        'main.py': [...provider, 'from starlette.applications import Starlette', 'app = Starlette()', ''].join('\n'),
      },
    ],
    [
      'flask',
      {
        'requirements.txt': 'flask\n',
        'app.py': [...provider, 'from flask import Flask', 'app = Flask(__name__)', ''].join('\n'),
      },
    ],
    [
      'django',
      {
        'requirements.txt': 'django\n',
        'cfg/__init__.py': '',
        'cfg/settings.py': '',
        'cfg/wsgi.py': [
          'import os',
          ...provider,
          'from django.core.wsgi import get_wsgi_application',
          'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cfg.settings")',
          'application = get_wsgi_application()',
          '',
        ].join('\n'),
      },
    ],
  ] as [string, Record<string, string>][])('%s: exit 1 with the findings', async (name, files) => {
    const dir = project(files);
    const r = await runCli(['doctor', dir, '--json']);
    expect(r.code, r.stderr).toBe(1);
    const result = JSON.parse(r.stdout) as { findings: { code: string; severity: string }[] };
    expect(result.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(
      expect.arrayContaining(['not-instrumented', 'simple-span-processor', 'no-flush']),
    );
  });

  it('flask under gunicorn: traced code without the worker hooks is an error', async () => {
    const dir = project({
      'requirements.txt': 'flask\ngunicorn\nopentelemetry-sdk==1.45.1\nopentelemetry-instrumentation-flask==0.66b1\n',
      'gunicorn.conf.py': 'workers = 2\n',
      'otel_telemetry.py': '# Generated by create-traced-service add-tracing\n',
      'app.py':
        'import otel_telemetry\nfrom flask import Flask\napp = Flask(__name__)\notel_telemetry.instrument_app(app)\n',
    });
    const findings = diagnose(await detectProject(dir));
    expect(codes(findings, 'error')).toEqual(['gunicorn-no-worker-flush']);
  });
});

describe('Django entry points wrapped by middleware', () => {
  it('application = WhiteNoise(get_wsgi_application()) and an ASGI handler inside middleware are instrumented once', async () => {
    const dir = project({
      'requirements.txt': 'django==5.1\nwhitenoise\n',
      'cfg/__init__.py': '',
      'cfg/settings.py': 'SECRET_KEY = "x"\n',
      'cfg/wsgi.py': [
        'import os',
        'from django.core.wsgi import get_wsgi_application',
        'from whitenoise import WhiteNoise',
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cfg.settings")',
        'application = WhiteNoise(get_wsgi_application(), root="static")',
        '',
      ].join('\n'),
      'cfg/asgi.py': [
        'import os',
        'from django.core.asgi import get_asgi_application',
        'from asgi_middleware import Guard',
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cfg.settings")',
        'application = Guard(get_asgi_application())',
        '',
      ].join('\n'),
    });
    const report = await detectProject(dir);
    expect(report.selected?.id).toBe('cfg/wsgi.py:5');
    const first = planChanges(report, djangoInputs);
    const wsgi = first.changes.find((c) => c.path === 'cfg/wsgi.py')!.after.split('\n');
    expect(wsgi.slice(4, 7)).toEqual([
      'from cfg import telemetry as otel_telemetry  # noqa: E402 - create-traced-service: before Django builds its handler',
      'otel_telemetry.instrument_django()',
      'application = WhiteNoise(get_wsgi_application(), root="static")',
    ]);
    const asgi = first.changes.find((c) => c.path === 'cfg/asgi.py')!.after;
    expect(asgi).toContain('application = Guard(otel_telemetry.asgi_with_flush(get_asgi_application()))');
    for (const c of first.changes) writeFileSync(path.join(dir, c.path), c.after);
    const second = planChanges(await detectProject(dir), djangoInputs);
    expect(second.changes.filter((c) => c.path.endsWith('.py'))).toEqual([]);
  });
});
