import { describe, expect, it } from 'vitest';
import { django as djangoDescriptor } from '../../../../src/catalog/frameworks/django.js';
import { corePackages, otelLine } from '../../../../src/catalog/python-sets.js';
import { parseServiceOptions } from '../../../../src/options/schema.js';
import { readPipfile } from '../../../../src/runtimes/python/existing/deps.js';
import { detectProject } from '../../../../src/runtimes/python/existing/detect.js';
import { lockCommands, lockDiff, lockFindings, projectLocks } from '../../../../src/runtimes/python/existing/lock.js';
import { planChanges, type PatchInputs } from '../../../../src/runtimes/python/existing/patch.js';
import { renderTelemetryModule } from '../../../../src/runtimes/python/existing/telemetry-module.js';
import { frameworkWiring } from '../../../../src/runtimes/python/existing/wiring.js';
import { scratchProject } from '../../../support/helpers.js';

const project = (files: Record<string, string>) => scratchProject(files, 'cts-django-');

const options = parseServiceOptions({ serviceName: 'svc', framework: 'django' });
const line = otelLine('1.45');
const inputs: PatchInputs = {
  renderTelemetry: (p) => renderTelemetryModule(options, p, 'config.wsgi'),
  line,
  lineName: '1.45',
  wanted: [...corePackages(line, 'otlp-grpc'), ...djangoDescriptor.packages(line)],
  frameworkDistributions: ['django'],
  optionsChanged: false,
};

const wsgi = (settings: string) =>
  [
    'import os',
    'from django.core.wsgi import get_wsgi_application',
    `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "${settings}")`,
    'application = get_wsgi_application()',
    '',
  ].join('\n');

describe('add-tracing on a Django project', () => {
  it('a settings package (config/settings/production.py): the telemetry module goes beside it, not inside', async () => {
    const dir = project({
      'requirements.txt': 'django==5.2\n',
      'config/__init__.py': '',
      'config/settings/__init__.py': '',
      'config/settings/base.py': 'SECRET_KEY = "x"\n',
      'config/settings/production.py': 'from .base import *  # noqa\n',
      'config/wsgi.py': wsgi('config.settings.production'),
    });
    const planned = planChanges(await detectProject(dir), inputs);
    expect(planned.placement).toEqual({
      path: 'config/telemetry.py',
      importLine: 'from config import telemetry as otel_telemetry',
      module: 'config.telemetry',
    });
    expect(planned.changes.map((c) => c.path)).not.toContain('config/settings/telemetry.py');
  });

  it('a settings package at the project root: the telemetry module goes to the root', async () => {
    const dir = project({
      'requirements.txt': 'django==5.2\n',
      'settings/__init__.py': 'SECRET_KEY = "x"\n',
      'site_wsgi.py': wsgi('settings'),
    });
    const planned = planChanges(await detectProject(dir), inputs);
    expect(planned.placement.path).toBe('otel_telemetry.py');
    expect(planned.placement.importLine).toBe('import otel_telemetry');
  });
});

describe('a Pipfile project', () => {
  const pipfile = [
    '[[source]]',
    'url = "https://pypi.org/simple"',
    'verify_ssl = true',
    'name = "pypi"',
    '',
    '[packages]',
    'django = "==5.2.1"',
    'gunicorn = {version = ">=22", extras = ["setproctitle"]}',
    'opentelemetry-api = "==1.20.0"',
    '',
    '[dev-packages]',
    'pytest = "*"',
    '',
    '[requires]',
    'python_version = "3.12"',
    '',
  ].join('\n');

  it('gets the matched set in [packages], the OpenTelemetry pins aligned, everything else untouched', async () => {
    const dir = project({
      Pipfile: pipfile,
      'Pipfile.lock': '{}\n',
      'config/__init__.py': '',
      'config/settings.py': 'SECRET_KEY = "x"\n',
      'config/wsgi.py': wsgi('config.settings'),
    });
    const report = await detectProject(dir);
    expect(report.dependencyFiles.map((f) => [f.path, f.kind])).toEqual([['Pipfile', 'pipfile']]);
    expect(report.dependencyFiles[0]!.requirements.find((r) => r.name === 'django')).toMatchObject({
      spec: '==5.2.1',
      exact: '5.2.1',
      line: 7,
    });
    const planned = planChanges(report, inputs);
    expect(planned.dependencyFiles).toEqual(['Pipfile']);
    expect(planned.changes.map((c) => c.path)).not.toContain('requirements.txt');
    const after = planned.changes.find((c) => c.path === 'Pipfile')!.after;
    const packages = after.slice(after.indexOf('[packages]'), after.indexOf('[dev-packages]'));
    expect(packages).toContain('opentelemetry-api = "==1.45.2"');
    expect(packages).toContain(`opentelemetry-sdk = "==${line.sdk}"`);
    expect(packages).toContain(`opentelemetry-instrumentation-django = "==${line.contrib}"`);
    expect(packages).toContain('django = "==5.2.1"');
    expect(after.slice(after.indexOf('[dev-packages]'))).toBe(pipfile.slice(pipfile.indexOf('[dev-packages]')));
  });

  it('its Pipfile.lock is re-locked with pipenv, its diff read, and doctor calls it stale when it lags', async () => {
    const lock = (django: string, api?: string) =>
      JSON.stringify({
        _meta: { hash: { sha256: 'x' } },
        default: {
          django: { version: `==${django}` },
          ...(api ? { 'opentelemetry-api': { version: `==${api}` } } : {}),
        },
        develop: { pytest: { version: '==8.3.0' } },
      });
    const locks = projectLocks({ 'Pipfile.lock': lock('5.2.1') });
    expect(locks).toEqual([{ tool: 'pipenv', file: 'Pipfile.lock', source: 'Pipfile' }]);
    expect(lockCommands(locks[0]!).relock).toEqual(['pipenv', 'lock']);
    expect(lockDiff(lock('5.2.1'), lock('5.2.1', '1.45.2'), 'pipenv')).toEqual({
      added: ['opentelemetry-api 1.45.2'],
      changed: [],
      removed: [],
    });
    const deps = [readPipfile('Pipfile', pipfile.replace('==1.20.0', '==1.45.2'))];
    expect(lockFindings({ 'Pipfile.lock': lock('5.2.1') }, deps).map((f) => f.message)).toEqual([
      'Pipfile.lock is stale: gunicorn (Pipfile:8) is not in the lock; opentelemetry-api (Pipfile:9) is not in the lock',
    ]);
  });
});

describe('gunicorn.conf.py and the image', () => {
  const dockerfile = (copies: string[]) =>
    [
      'FROM python:3.12-slim AS build',
      'COPY requirements.txt .',
      'RUN pip wheel -r requirements.txt -w /wheels',
      '',
      'FROM python:3.12-slim',
      'WORKDIR /srv',
      'COPY --from=build /wheels /wheels',
      ...copies,
      'CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]',
      '',
    ].join('\n');
  const files = (copies: string[], extra: Record<string, string> = {}) => ({
    'requirements.txt': 'django==5.2\ngunicorn==23.0.0\n',
    'config/__init__.py': '',
    'config/settings.py': 'SECRET_KEY = "x"\n',
    'config/wsgi.py': wsgi('config.settings'),
    Dockerfile: dockerfile(copies),
    ...extra,
  });
  const plan = async (dir: string) => {
    const report = await detectProject(dir);
    const wiring = frameworkWiring(report, options, line);
    return planChanges(report, { ...inputs, ...(wiring.gunicorn ? { gunicorn: wiring.gunicorn } : {}) });
  };

  it('a Dockerfile that copies only some folders gets gunicorn.conf.py copied before its CMD', async () => {
    const planned = await plan(project(files(['COPY --chown=app:app config/ config/', 'COPY manage.py .'])));
    expect(planned.changes.map((c) => c.path)).toContain('gunicorn.conf.py');
    const docker = planned.changes.find((c) => c.path === 'Dockerfile');
    expect(docker?.after.split('\n').slice(7, 11)).toEqual([
      'COPY --chown=app:app config/ config/',
      'COPY manage.py .',
      'COPY --chown=app:app gunicorn.conf.py ./',
      'CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]',
    ]);
    expect(docker?.summary.join(' ')).toMatch(/gunicorn\.conf\.py/);
  });

  it('a Dockerfile that copies the whole context is left alone; a .dockerignore that drops the file is named', async () => {
    expect((await plan(project(files(['COPY . .'])))).changes.map((c) => c.path)).not.toContain('Dockerfile');
    const ignored = await plan(project(files(['COPY . .'], { '.dockerignore': '*.py\n!config/**\n' })));
    expect(ignored.notes.join('\n')).toMatch(/\.dockerignore.*\*\.py.*gunicorn\.conf\.py/);
  });
});
