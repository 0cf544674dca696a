/** The Python runtime: templates/common, a venv installed with uv or pip, the matched PyPI sets. */
import path from 'node:path';
import { getFramework, type ServiceFramework } from '../../catalog/frameworks/index.js';
import type { ServiceOptions } from '../../options/schema.js';
import { readmeFacts } from './readme-facts.js';
import { corePackages, matchedSetFor, otelLine, type OtelLine, type PythonPackage } from '../../catalog/python-sets.js';
import type { Runtime } from '../types.js';

export function pythonFloat(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

/** The sampler as a Python expression over opentelemetry.sdk.trace.sampling names. */
export function samplerExpression(o: ServiceOptions): { expression: string; imports: string[] } {
  const ratio = pythonFloat(o.samplerRatio);
  switch (o.sampler) {
    case 'parentbased_traceidratio':
      return { expression: `ParentBased(TraceIdRatioBased(${ratio}))`, imports: ['ParentBased', 'TraceIdRatioBased'] };
    case 'traceidratio':
      return { expression: `TraceIdRatioBased(${ratio})`, imports: ['TraceIdRatioBased'] };
    case 'parentbased_always_on':
      return { expression: 'ParentBased(ALWAYS_ON)', imports: ['ALWAYS_ON', 'ParentBased'] };
    case 'always_on':
      return { expression: 'ALWAYS_ON', imports: ['ALWAYS_ON'] };
    case 'always_off':
      return { expression: 'ALWAYS_OFF', imports: ['ALWAYS_OFF'] };
  }
}

/** The OpenTelemetry set the service installs: its line, or an earlier patch its instrumentation needs. */
export function frameworkLine(o: ServiceOptions): OtelLine {
  const line = otelLine(o.otelVersion);
  return matchedSetFor(
    line,
    getFramework(o.framework)
      .packages(line)
      .map((p) => p.name),
  );
}

export function runtimePackages(o: ServiceOptions): PythonPackage[] {
  const line = frameworkLine(o);
  return [...corePackages(line, o.exporter), ...getFramework(o.framework).packages(line)];
}

/** Ours minus OTEL_* (the smoke test sets its own), the venv first on PATH, output unbuffered. */
export function pythonServiceEnv(venvDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_')) env[k] = v;
  env.PATH = `${path.join(venvDir, process.platform === 'win32' ? 'Scripts' : 'bin')}${path.delimiter}${process.env.PATH ?? ''}`;
  env.VIRTUAL_ENV = venvDir;
  env.PYTHONUNBUFFERED = '1';
  env.PYTHONDONTWRITEBYTECODE = '1';
  return { ...env, ...extra };
}

export const python: Runtime = {
  name: 'python',
  displayName: 'Python',
  baseLayers: ['common'],
  templateContext(o: ServiceOptions, _framework: ServiceFramework) {
    const framework = getFramework(o.framework);
    const line = frameworkLine(o);
    const sampler = samplerExpression(o);
    return {
      framework: {
        copyPaths: framework.copyPaths ?? [],
        pythonPackages: framework.pythonPackages ?? [],
        writableDirs: framework.writableDirs ?? [],
        dockerNotes: framework.dockerNotes ?? {
          flushOnStop: 'runs the lifespan shutdown',
          setupFiles: 'app/telemetry.py and app/main.py',
        },
      },
      sampler: {
        ratio: pythonFloat(o.samplerRatio),
        expression: sampler.expression,
        imports: sampler.imports.join(', '),
      },
      otel: { line: o.otelVersion, sdk: line.sdk, contrib: line.contrib },
      packages: runtimePackages(o),
      testPackages: framework.testPackages(line),
      readme: readmeFacts(o, line.contrib),
    };
  },
  installTitle: 'Installing Python dependencies',
  installerName: 'pip',
  reusedNote: 'reused the existing .venv (requirements unchanged)',
  async prepare(projectDir, options, settings) {
    // execa and the installer load only when something is installed (not for --no-install or --dry-run).
    const { preparePythonEnv } = await import('./env.js');
    return preparePythonEnv(projectDir, {
      onProgress: settings.onProgress,
      installer: options.installer,
      ...(settings.requirementsFile ? { requirementsFile: settings.requirementsFile } : {}),
      ...(settings.basePython ? { basePython: settings.basePython } : {}),
    });
  },
  serviceEnv: pythonServiceEnv,
  // Loaded by the smoke test only, so that a scaffold does not compile the parsers.
  consoleSpanParser: async () => (await import('../../receiver/console.js')).parseConsoleSpans,
  nextSteps: ({ installed, framework, smokeCommand }) => [
    ...(installed ? [] : ['python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt']),
    'source .venv/bin/activate',
    "pytest                              # the service's own tracing tests",
    `${smokeCommand}   # prove the wiring again`,
    `${framework.serverCommand({ host: '127.0.0.1', port: 8000 }).join(' ')}   # run it (Ctrl-C stops it)`,
  ],
};
