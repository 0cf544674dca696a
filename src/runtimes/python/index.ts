/** The Python runtime: templates/python over templates/common, a venv installed with uv or pip, the matched PyPI sets. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { READINESS_PATH } from '../../smoke/readiness.js';
import type { Runtime } from '../types.js';
import { pythonTemplates } from './templates.js';

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

/** Files that only a Python project has at its root. */
const PYTHON_MARKERS = ['pyproject.toml', 'requirements.txt', 'setup.py', 'setup.cfg', 'manage.py', 'Pipfile'];

export const python: Runtime = {
  ...pythonTemplates,
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
  ciSetup: {
    github: ['- uses: actions/setup-python@v5', '  with:', '    python-version: "3.12"'],
    // node:22 (Debian) carries python3; the venv module is a separate Debian package.
    gitlab: ['apt-get update -qq && apt-get install -y -qq python3-venv > /dev/null'],
  },
  owns: (dir) => PYTHON_MARKERS.some((f) => existsSync(path.join(dir, f))),
  devService: (projectDir, framework, existing, reload) => ({
    envDir: path.join(projectDir, '.venv'),
    command: (port) =>
      existing
        ? existing.serverCommand.map((a) => a.replace('{port}', String(port)))
        : framework.serverCommand({ host: '127.0.0.1', port, reload }),
    reloads: reload && !existing,
    readyPath: existing ? READINESS_PATH : framework.healthPath,
    anyStatus: existing !== undefined,
  }),
  existing: async () => (await import('./existing/index.js')).pythonExisting(python),
  upgrader: async () => (await import('./upgrade/index.js')).pythonUpgrader(python),
};
