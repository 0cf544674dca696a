/**
 * The project's own test suite, run before and after add-tracing's change in the smoke-test venv, as the
 * user will run it afterwards (tracing on): a test that passed on the original code and fails on the
 * changed code, or a suite that exits worse (a coverage gate), is a failure of add-tracing. The "before"
 * run uses a copy of the project with the original file contents put back.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import fs from 'fs-extra';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse as parseToml } from 'smol-toml';
import { findUv } from '../env.js';
import { poetryToPep440 } from './deps.js';
import { readTextIfExists } from '../../../core/read-file.js';

const DEV_GROUPS = ['dev', 'test', 'tests', 'testing'];

/** Whether the project has a pytest suite: pytest configuration or a tests/ directory. */
export function hasTestSuite(files: Record<string, string | undefined>, hasTestsDir: boolean): boolean {
  if (hasTestsDir || files['pytest.ini'] !== undefined || files['conftest.py'] !== undefined) return true;
  if (/^\[tool\.pytest\.ini_options\]/m.test(files['pyproject.toml'] ?? '')) return true;
  return /^\[(tool:)?pytest\]/m.test(`${files['setup.cfg'] ?? ''}\n${files['tox.ini'] ?? ''}`);
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

export interface TestOutcome {
  /** node id -> passed */
  results: Map<string, boolean>;
  /** node id -> first lines of its failure */
  errors: Map<string, string>;
  exitCode: number;
  output: string;
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
    const failure = /<(?:failure|error)\b([^>]*)>/.exec(body);
    results.set(id, !failure);
    const message = failure ? /\bmessage="([^"]*)"/.exec(failure[1]!)?.[1] : undefined;
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

/** A local port nothing listens on (bound, then released): connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The suite's environment: the project's, with tracing on as it will be after the change (SDK, processors,
 * exporters and instrumentations all built), every signal exported to a closed local port with a 1 s
 * timeout, so nothing is reached and nothing waits long. An endpoint the project's environment names is
 * dropped: the tests must not send to a real collector.
 */
export async function suiteEnvironment(appEnv: Record<string, string>): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...appEnv }))
    if (value !== undefined && !/^OTEL_EXPORTER_OTLP_\w*ENDPOINT$/.test(key)) env[key] = value;
  return {
    ...env,
    OTEL_SDK_DISABLED: 'false',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
    // Seconds for the Python exporters (opentelemetry-python issue #4044).
    OTEL_EXPORTER_OTLP_TIMEOUT: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  };
}

export async function runSuite(python: string, cwd: string, env: Record<string, string>): Promise<TestOutcome> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cts-pytest-'));
  const report = path.join(dir, 'junit.xml');
  try {
    const r = await execa(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${report}`], {
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

/**
 * What the change broke: tests that passed before and fail after, and a worse exit status (pytest exits 1
 * when a coverage gate fails even though every test passed), with the suite's last line as the reason.
 */
export function compareOutcomes(
  before: TestOutcome,
  after: TestOutcome,
): Pick<ProjectTestsReport, 'regressions' | 'exitStatus'> {
  const broken = regressions(before, after);
  if (after.exitCode === 0 || after.exitCode === before.exitCode) return { regressions: broken };
  // pytest's own verdict, not what the app logged at exit (an exporter's refused connection, say).
  const lines = after.output
    .split('\n')
    .map((l) => l.replace(/^=+\s*|\s*=+$/g, '').trim())
    .filter(Boolean)
    .reverse();
  const verdicts = [
    /^FAIL Required test coverage/,
    /^(FAILED|ERROR)\b/,
    /\b\d+ (passed|failed|errors?)\b.* in [\d.]+s/,
  ];
  const detail = verdicts.map((v) => lines.find((l) => v.test(l))).find(Boolean) ?? lines[0] ?? '';
  return {
    regressions: broken,
    exitStatus: { before: before.exitCode, after: after.exitCode, detail: detail.trim() },
  };
}

/** Tests that passed before and fail after, with their first error. */
export function regressions(before: TestOutcome, after: TestOutcome): { id: string; error: string }[] {
  return [...before.results]
    .filter(([id, ok]) => ok && after.results.get(id) === false)
    .map(([id]) => ({ id, error: after.errors.get(id) ?? 'failed' }));
}

/** A copy of the project with the original contents of the changed files (created ones removed). */
export async function originalCopy(
  root: string,
  changes: { path: string; before: string | null }[],
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'cts-before-'));
  const dir = path.join(base, path.basename(root));
  const skip = new Set(['.venv', '.git', 'node_modules', '__pycache__', '.pytest_cache', '.mypy_cache', '.ruff_cache']);
  // fs-extra's copy keeps a relative symlink as written, so it points inside the copy (at the restored
  // original); fs.cp resolves it to the project's file, which holds the change. It is also stable on
  // every Node the CLI supports (fs.cp is experimental before 22.3).
  await fs.copy(root, dir, { filter: (src) => !skip.has(path.basename(src)) });
  for (const c of changes) {
    const file = path.join(dir, c.path);
    if (c.before === null) await rm(file, { force: true });
    else await writeFile(file, c.before);
  }
  return { dir, cleanup: () => rm(base, { recursive: true, force: true }) };
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

export interface ProjectTestsReport {
  ran: boolean;
  before?: { passed: number; failed: number };
  after?: { passed: number; failed: number };
  regressions: { id: string; error: string }[];
  /** Set when the suite exited worse after the change than before (e.g. a coverage gate now fails). */
  exitStatus?: { before: number; after: number; detail: string };
  note?: string;
}

/** Whether the change broke the project's tests (a test, or the suite's exit status). */
export function brokeProjectTests(r: ProjectTestsReport | undefined): boolean {
  return (r?.regressions.length ?? 0) > 0 || r?.exitStatus !== undefined;
}

const count = (o: TestOutcome) => ({
  passed: [...o.results.values()].filter(Boolean).length,
  failed: [...o.results.values()].filter((v) => !v).length,
});

/** Runs the suite on the original and on the changed project, in the smoke-test venv. */
export async function projectTestsStep(
  root: string,
  python: string,
  changes: { path: string; before: string | null }[],
  extra: { constraints: string[]; env: Record<string, string> },
  ui: import('../../../core/ui.js').Ui,
): Promise<ProjectTestsReport> {
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
  const files = Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, await readIf(path.join(root, n))] as const)),
  );
  if (!hasTestSuite(files, existsSync(path.join(root, 'tests')))) return { ran: false, regressions: [] };
  return ui.step(
    "Running the project's tests before and after the change",
    async (update) => {
      update('installing pytest and the test dependencies');
      const failure = await installTestRequirements(python, testRequirements(files, root), extra.constraints);
      if (failure) return { ran: false, regressions: [], note: `the test dependencies did not install: ${failure}` };
      const original = await originalCopy(root, changes);
      try {
        update('on the original code');
        const before = await runSuite(python, original.dir, extra.env);
        update('on the changed code');
        const after = await runSuite(python, root, extra.env);
        return { ran: true, before: count(before), after: count(after), ...compareOutcomes(before, after) };
      } finally {
        await original.cleanup();
      }
    },
    brokeProjectTests,
  );
}

export function reportProjectTests(r: ProjectTestsReport, ui: import('../../../core/ui.js').Ui): void {
  if (r.note) ui.warn(r.note);
  if (!r.ran) return;
  const { before, after } = { before: r.before!, after: r.after! };
  const line = `the project's tests: ${before.passed} passed / ${before.failed} failed before, ${after.passed} / ${after.failed} after`;
  if (!brokeProjectTests(r)) ui.success(line);
  else if (r.regressions.length > 0) {
    const first = r.regressions[0]!;
    ui.block(
      `${line}\nadd-tracing broke ${r.regressions.length} test${r.regressions.length === 1 ? '' : 's'} that passed before; ` +
        `first: ${first.id}: ${first.error}`,
    );
  } else {
    const { before: b, after: a, detail } = r.exitStatus!;
    ui.block(`${line}\nbut pytest exited ${a} after the change (${b} before): ${detail}`);
  }
}
