import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { django as djangoDescriptor } from '../../../../src/catalog/frameworks/django.js';
import { corePackages, otelLine } from '../../../../src/catalog/python-sets.js';
import { parseServiceOptions } from '../../../../src/options/schema.js';
import { detectProject } from '../../../../src/runtimes/python/existing/detect.js';
import { planChanges, type PatchInputs } from '../../../../src/runtimes/python/existing/patch.js';
import { renderTelemetryModule } from '../../../../src/runtimes/python/existing/telemetry-module.js';
import { scratchDir } from '../../../support/helpers.js';

function project(files: Record<string, string>): string {
  const dir = scratchDir('cts-django-');
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

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
