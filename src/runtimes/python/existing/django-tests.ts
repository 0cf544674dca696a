/**
 * A Django project's own tests, run as the project runs them when it has no pytest configuration:
 * `manage.py test` (Django's runner, which sets the settings and the test database up), read from its
 * verbose output into the same shape as pytest's JUnit report.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

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

/** The results of a `manage.py test -v 2` run: per test id, passed or not, and each failure's last line. */
export function parseDjangoTestOutput(output: string): {
  results: Map<string, boolean>;
  errors: Map<string, string>;
} {
  const results = new Map<string, boolean>();
  const errors = new Map<string, string>();
  // Python 3.11+ names the test `mod.Class.method`; older ones `mod.Class`. A docstring line may follow.
  const id = (name: string, where: string) => (where.endsWith(`.${name}`) ? where : `${where}.${name}`);
  const line =
    /^(\w+) \(([\w.]+)\)(?:\n(?!\w+ \([\w.]+\)).*?)? \.\.\. (ok|FAIL|ERROR|unexpected success|skipped|expected failure)/gm;
  for (const m of output.matchAll(line)) {
    if (m[3] === 'skipped' || m[3] === 'expected failure') continue;
    results.set(id(m[1]!, m[2]!), m[3] === 'ok');
  }
  for (const block of output.split(/^={20,}$/m).slice(1)) {
    const head = /^\n?(?:FAIL|ERROR): (\w+) \(([\w.]+)\)/.exec(block);
    if (!head) continue;
    const body = block.split(/^-{20,}$/m)[1] ?? '';
    const last = body
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1);
    errors.set(id(head[1]!, head[2]!), last ?? 'failed');
  }
  return { results, errors };
}

/** Runs `manage.py test` in `cwd` with `env` (the suite's environment), never asking a question. */
export async function runDjangoTests(
  python: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ results: Map<string, boolean>; errors: Map<string, string>; exitCode: number; output: string }> {
  const r = await execa(python, ['manage.py', 'test', '--noinput', '-v', '2'], {
    cwd,
    reject: false,
    all: true,
    timeout: 600_000,
    extendEnv: false,
    env,
  });
  const output = String(r.all ?? '');
  return { ...parseDjangoTestOutput(output), exitCode: r.exitCode ?? 1, output };
}
