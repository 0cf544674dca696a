/**
 * A Django project's own tests, run as the project runs them when it has no pytest configuration:
 * `manage.py test` (the project's runner, which sets the settings and the test database up), each test's
 * outcome recorded by a runner that extends it (templates/add-tracing/django-runner/), in the same shape
 * as pytest's JUnit report.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { TEMPLATES_DIR } from '../../../core/paths.js';

const RUNNER_DIR = path.join(TEMPLATES_DIR, 'add-tracing', 'django-runner');
const RUNNER = 'create_traced_service_django_runner.Runner';

const SKIP_DIRS = new Set(['.venv', 'venv', '.git', 'node_modules', '__pycache__', '.tox', 'site-packages']);

/** Whether the project has Django tests: manage.py, and a tests.py, a tests/ package or a test_*.py. */
export async function hasDjangoTests(root: string, depth = 4): Promise<boolean> {
  const top = await readdir(root).catch(() => [] as string[]);
  if (!top.includes('manage.py')) return false;
  const walk = async (dir: string, left: number): Promise<boolean> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.isFile() && (e.name === 'tests.py' || /^test_.*\.py$/.test(e.name))) return true;
      if (e.isDirectory() && left > 0 && !SKIP_DIRS.has(e.name) && (await walk(path.join(dir, e.name), left - 1)))
        return true;
    }
    return false;
  };
  return walk(root, depth);
}

/** The outcomes the recording runner wrote: test id -> passed, and each failure's last traceback line. */
export function readRecordedResults(json: string): { results: Map<string, boolean>; errors: Map<string, string> } {
  const data = JSON.parse(json) as { results?: Record<string, boolean>; errors?: Record<string, string> };
  return { results: new Map(Object.entries(data.results ?? {})), errors: new Map(Object.entries(data.errors ?? {})) };
}

/** Runs `manage.py test` in `cwd` with `env` (the suite's environment), never asking a question. */
export async function runDjangoTests(
  python: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ results: Map<string, boolean>; errors: Map<string, string>; exitCode: number; output: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cts-django-tests-'));
  const file = path.join(dir, 'results.json');
  try {
    const r = await execa(python, ['manage.py', 'test', '--noinput', '--testrunner', RUNNER], {
      cwd,
      reject: false,
      all: true,
      timeout: 600_000,
      extendEnv: false,
      env: {
        ...env,
        CREATE_TRACED_SERVICE_TEST_RESULTS: file,
        PYTHONPATH: [RUNNER_DIR, env.PYTHONPATH].filter(Boolean).join(path.delimiter),
      },
    });
    const recorded = existsSync(file)
      ? readRecordedResults(await readFile(file, 'utf8'))
      : { results: new Map<string, boolean>(), errors: new Map<string, string>() };
    return { ...recorded, exitCode: r.exitCode ?? 1, output: String(r.all ?? '') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
