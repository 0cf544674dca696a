/**
 * The project's own test suite, run before and after add-tracing's change in the smoke-test venv, as the
 * user will run it afterwards (tracing on): a test that passed on the original code and fails on the
 * changed code, or a suite that exits worse (a coverage gate), is a failure of add-tracing. The "before"
 * run uses a copy of the project with the original file contents put back.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import fs from 'fs-extra';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse as parseToml } from 'smol-toml';
import { findUv } from '../env.js';
import { poetryToPep440 } from './deps.js';
import {
  compareOutcomes as compareRuns,
  brokeProjectTests,
  testBeforeAndAfter,
  tracedSuiteEnvironment,
  type ProjectTestsReport,
  type TestOutcome,
} from '../../../pipeline/project-tests.js';
import type { Ui } from '../../../core/ui.js';

export { brokeProjectTests, reportProjectTests, type ProjectTestsReport } from '../../../pipeline/project-tests.js';
import { hasDjangoTests, runDjangoTests } from './django-tests.js';
import { readTextIfExists } from '../../../core/read-file.js';

const DEV_GROUPS = ['dev', 'test', 'tests', 'testing'];

/** Whether the project has a pytest suite: pytest configuration, a tests/ directory or test modules at its root. */
export function hasTestSuite(
  files: Record<string, string | undefined>,
  hasTestsDir: boolean,
  rootTestModules: readonly string[] = [],
): boolean {
  return hasTestsDir || hasPytestConfig(files) || rootTestModules.length > 0;
}

// What pytest collects by default (test_*.py, *_test.py), and the single tests.py it collects only when named.
const ROOT_TEST_MODULE = /^(?:test_\w*|\w+_test|tests)\.py$/;
const SINGLE_TESTS_FILE = 'tests.py';

async function rootTestModules(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && ROOT_TEST_MODULE.test(e.name)).map((e) => e.name);
}

/**
 * What pytest is given to run: nothing (its own discovery), or a root tests.py it would not collect by
 * itself when that file is the project's only suite.
 */
export async function pytestTargets(root: string, files?: Record<string, string | undefined>): Promise<string[]> {
  const read = files ?? (await suiteFiles(root));
  const modules = await rootTestModules(root);
  const discovered =
    hasTestSuite(read, existsSync(path.join(root, 'tests'))) || modules.some((m) => m !== SINGLE_TESTS_FILE);
  return !discovered && modules.includes(SINGLE_TESTS_FILE) ? [SINGLE_TESTS_FILE] : [];
}

function hasPytestConfig(files: Record<string, string | undefined>): boolean {
  if (files['pytest.ini'] !== undefined || files['conftest.py'] !== undefined) return true;
  if (/^\[tool\.pytest\.ini_options\]/m.test(files['pyproject.toml'] ?? '')) return true;
  return /^\[(tool:)?pytest\]/m.test(`${files['setup.cfg'] ?? ''}\n${files['tox.ini'] ?? ''}`);
}

/**
 * How the project runs its tests: `manage.py test` for Django tests without any pytest configuration
 * (pytest alone cannot set Django up), else pytest when there is a suite; undefined when there is none.
 */
export async function projectSuite(
  root: string,
  files?: Record<string, string | undefined>,
): Promise<'pytest' | 'django' | undefined> {
  const read = files ?? (await suiteFiles(root));
  if (!hasPytestConfig(read) && (await hasDjangoTests(root))) return 'django';
  return hasTestSuite(read, existsSync(path.join(root, 'tests')), await rootTestModules(root)) ? 'pytest' : undefined;
}

/** What the suite needs besides the runtime: pytest and the dev/test groups the project declares. */
export function testRequirements(files: Record<string, string | undefined>, root: string): string[] {
  const out = ['pytest'];
  for (const name of [
    'requirements-dev.txt',
    'requirements-test.txt',
    'requirements/dev.txt',
    'requirements/test.txt',
  ]) {
    if (files[name] !== undefined) out.push(`-r ${path.join(root, name)}`);
  }
  let data: {
    'dependency-groups'?: Record<string, unknown[]>;
    project?: { 'optional-dependencies'?: Record<string, string[]> };
    tool?: {
      poetry?: {
        group?: Record<string, { dependencies?: Record<string, unknown> }>;
        'dev-dependencies'?: Record<string, unknown>;
      };
    };
  } = {};
  try {
    data = parseToml(files['pyproject.toml'] ?? '') as typeof data;
  } catch {
    return out;
  }
  for (const g of DEV_GROUPS) {
    for (const item of data['dependency-groups']?.[g] ?? []) if (typeof item === 'string') out.push(item);
    for (const item of data.project?.['optional-dependencies']?.[g] ?? []) out.push(item);
    const poetry =
      g === 'dev'
        ? { ...data.tool?.poetry?.['dev-dependencies'], ...data.tool?.poetry?.group?.dev?.dependencies }
        : data.tool?.poetry?.group?.[g]?.dependencies;
    for (const [name, value] of Object.entries(poetry ?? {})) {
      const spec = typeof value === 'string' ? poetryToPep440(value) : undefined;
      out.push(`${name}${spec ?? ''}`);
    }
  }
  return [...new Set(out)];
}

/** Test results from a JUnit XML report (what pytest --junitxml writes). */
export function parseJunit(xml: string): Pick<TestOutcome, 'results' | 'errors'> {
  const results = new Map<string, boolean>();
  const errors = new Map<string, string>();
  const decode = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
      .replace(/&amp;/g, '&');
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attrs = m[1]!;
    const name = /\bname="([^"]*)"/.exec(attrs)?.[1] ?? '';
    const cls = /\bclassname="([^"]*)"/.exec(attrs)?.[1] ?? '';
    const id = decode(cls ? `${cls}::${name}` : name);
    const body = m[3] ?? '';
    if (/<skipped\b/.test(body)) continue;
    const failure = /<(?:failure|error)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/(?:failure|error)>)/.exec(body);
    results.set(id, !failure);
    let message = failure ? /\bmessage="([^"]*)"/.exec(failure[1]!)?.[1] : undefined;
    // A module that cannot be imported: pytest's message is generic, the exception is the first "E" line.
    if (message === 'collection failure') message = /^E +(.+)$/m.exec(failure![2] ?? '')?.[1] ?? message;
    if (failure)
      errors.set(
        id,
        decode(message ?? 'failed')
          .split('\n')
          .slice(0, 3)
          .join(' '),
      );
  }
  return { results, errors };
}

/**
 * The suite's environment: tracing on as it will be after the change (SDK, processors, exporters and
 * instrumentations all built), exporting to a closed local port with a 1 s timeout.
 */
export async function suiteEnvironment(appEnv: Record<string, string>): Promise<Record<string, string>> {
  // Seconds for the Python exporters (opentelemetry-python issue #4044).
  return tracedSuiteEnvironment(appEnv, { OTEL_EXPORTER_OTLP_TIMEOUT: '1', PYTHONDONTWRITEBYTECODE: '1' });
}

export async function runSuite(
  python: string,
  cwd: string,
  env: Record<string, string>,
  targets: readonly string[] = [],
): Promise<TestOutcome> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cts-pytest-'));
  const report = path.join(dir, 'junit.xml');
  try {
    const args = ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${report}`, ...targets];
    const r = await execa(python, args, {
      cwd,
      reject: false,
      all: true,
      timeout: 600_000,
      extendEnv: false,
      env: await suiteEnvironment(env),
    });
    const xml = (await readTextIfExists(report)) ?? '';
    return { ...parseJunit(xml), exitCode: r.exitCode ?? 1, output: String(r.all ?? '') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// pytest's own verdict, not what the app logged at exit (an exporter's refused connection, say).
const PYTEST_VERDICTS = [
  /^FAIL Required test coverage/,
  /^(FAILED|ERROR)\b/,
  /\b\d+ (passed|failed|errors?)\b.* in [\d.]+s/,
];

/** What the change broke: tests that passed before and fail after, and a worse exit status (a coverage gate). */
export function compareOutcomes(
  before: TestOutcome,
  after: TestOutcome,
): Pick<ProjectTestsReport, 'regressions' | 'exitStatus'> {
  return compareRuns(before, after, PYTEST_VERDICTS);
}

async function readIf(file: string): Promise<string | undefined> {
  return readTextIfExists(file);
}

/**
 * Installs the test requirements into the environment the smoke test used, with uv when there is one (on
 * PATH, or the private one that built that environment, which then has no pip of its own), else pip.
 * Returns the last lines of the installer's output when it failed.
 */
export async function installTestRequirements(
  python: string,
  lines: string[],
  constraints: string[],
): Promise<string | undefined> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cts-testreq-'));
  try {
    const file = path.join(dir, 'requirements.txt');
    // The lock's versions as constraints: the tests run against what the project deploys.
    await writeFile(path.join(dir, 'constraints.txt'), `${constraints.join('\n')}\n`);
    await writeFile(file, `${[...lines, `-c ${path.join(dir, 'constraints.txt')}`].join('\n')}\n`);
    const uv = await findUv();
    const r = uv
      ? await execa(uv, ['pip', 'install', '--python', python, '-r', file], {
          reject: false,
          all: true,
          timeout: 600_000,
        })
      : await execa(python, ['-m', 'pip', 'install', '--progress-bar', 'off', '-r', file], {
          reject: false,
          all: true,
          timeout: 600_000,
        });
    return r.exitCode === 0
      ? undefined
      : String(r.all ?? '')
          .trim()
          .split('\n')
          .slice(-3)
          .join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// manage.py test's own verdict lines.
const NO_SUITE =
  "no test suite found (a tests/ directory, test_*.py or *_test.py modules, a root tests.py, Django tests or pytest configuration): the project's own tests were not run before and after the change";

const DJANGO_VERDICTS = [/^FAILED \(/, /^Ran \d+ tests? in/];

/** Runs the suite (pytest, else manage.py test) on the original and on the changed project, in the smoke-test venv. */
export async function projectTestsStep(
  root: string,
  python: string,
  changes: { path: string; before: string | null }[],
  extra: { constraints: string[]; env: Record<string, string> },
  ui: Ui,
): Promise<ProjectTestsReport> {
  const files = await suiteFiles(root);
  const suite = await projectSuite(root, files);
  if (!suite) return { ran: false, regressions: [], note: NO_SUITE };
  const django = suite === 'django';
  const targets = django ? [] : await pytestTargets(root, files);
  const run = django
    ? async (dir: string) => runDjangoTests(python, dir, await suiteEnvironment(extra.env))
    : (dir: string) => runSuite(python, dir, extra.env, targets);
  return ui.step(
    "Running the project's tests before and after the change",
    async (update) => {
      update(django ? 'installing the test dependencies' : 'installing pytest and the test dependencies');
      // manage.py test needs no pytest.
      const requirements = testRequirements(files, root).filter((r) => !django || r !== 'pytest');
      const failure =
        requirements.length > 0 ? await installTestRequirements(python, requirements, extra.constraints) : undefined;
      if (failure) return { ran: false, regressions: [], note: `the test dependencies did not install: ${failure}` };
      const command = django ? 'python manage.py test' : ['pytest', ...targets].join(' ');
      return testBeforeAndAfter(
        root,
        changes,
        { command, run, verdicts: django ? DJANGO_VERDICTS : PYTEST_VERDICTS },
        update,
      );
    },
    brokeProjectTests,
  );
}

/** The files that say how the project runs its tests and what they need. */
async function suiteFiles(root: string): Promise<Record<string, string | undefined>> {
  const names = [
    'pyproject.toml',
    'pytest.ini',
    'conftest.py',
    'setup.cfg',
    'tox.ini',
    'requirements-dev.txt',
    'requirements-test.txt',
    'requirements/dev.txt',
    'requirements/test.txt',
  ];
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readIf(path.join(root, n))] as const)));
}
