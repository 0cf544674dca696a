/**
 * The project's own test suite, run before and after add-tracing's change, whatever the runtime: the
 * "before" copy of the project, the environment that keeps tracing on without reaching anything, the
 * comparison (a test that passed and now fails, a worse exit status) and its report. Each runtime brings
 * how its suite is found, run and read.
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'fs-extra';
import type { Ui } from '../core/ui.js';

export interface TestOutcome {
  /** test id -> passed */
  results: Map<string, boolean>;
  /** test id -> first lines of its failure */
  errors: Map<string, string>;
  exitCode: number;
  output: string;
  /** The runner's own totals, when its summary gives them (they count tests the output does not list). */
  counts?: { passed: number; failed: number };
  /** Why the run says little (it timed out). */
  note?: string;
}

export interface ProjectTestsReport {
  ran: boolean;
  /** How the suite was run (`pytest`, `npm test`). */
  command?: string;
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

/** A local port nothing listens on (bound, then released): connecting to it is refused at once. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The suite's environment: the project's, with tracing on as it will be after the change, every signal
 * exported to a closed local port, so nothing is reached; `extra` sets the runtime's short export timeout
 * (its unit differs between SDKs). An endpoint the project's environment names is dropped: the tests must
 * not send to a real collector.
 */
export async function tracedSuiteEnvironment(
  appEnv: Record<string, string>,
  extra: Record<string, string>,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...appEnv }))
    if (value !== undefined && !/^OTEL_EXPORTER_OTLP_\w*ENDPOINT$/.test(key)) env[key] = value;
  return {
    ...env,
    OTEL_SDK_DISABLED: 'false',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
    ...extra,
  };
}

/** Tests that passed before and fail after, with their first error. */
export function regressions(before: TestOutcome, after: TestOutcome): { id: string; error: string }[] {
  return [...before.results]
    .filter(([id, ok]) => ok && after.results.get(id) === false)
    .map(([id]) => ({ id, error: after.errors.get(id) ?? 'failed' }));
}

/**
 * What the change broke: tests that passed before and fail after, and a worse exit status (a coverage
 * gate fails though every test passed), with the runner's verdict as the reason: the last line matching
 * the first of `verdicts` that matches any, not what the app logged at exit (a refused export, say).
 */
export function compareOutcomes(
  before: TestOutcome,
  after: TestOutcome,
  verdicts: RegExp[] = [],
): Pick<ProjectTestsReport, 'regressions' | 'exitStatus'> {
  const broken = regressions(before, after);
  if (after.exitCode === 0 || after.exitCode === before.exitCode) return { regressions: broken };
  const lines = after.output
    .split('\n')
    .map((l) => l.replace(/^=+\s*|\s*=+$/g, '').trim())
    .filter(Boolean)
    .reverse();
  const detail = verdicts.map((v) => lines.find((l) => v.test(l))).find(Boolean) ?? lines[0] ?? '';
  return {
    regressions: broken,
    exitStatus: { before: before.exitCode, after: after.exitCode, detail: detail.trim() },
  };
}

const COPY_SKIP = new Set([
  '.venv',
  '.git',
  'node_modules',
  '__pycache__',
  '.pytest_cache',
  '.mypy_cache',
  '.ruff_cache',
]);

/**
 * A copy of the project with the original contents of the changed files (created ones removed). `link`
 * names top-level directories the copy uses from the project itself (node_modules: the installed
 * dependencies, not copied).
 */
export async function originalCopy(
  root: string,
  changes: { path: string; before: string | null }[],
  link: string[] = [],
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'cts-before-'));
  const dir = path.join(base, path.basename(root));
  // fs-extra's copy keeps a relative symlink as written, so it points inside the copy (at the restored
  // original); fs.cp resolves it to the project's file, which holds the change. It is also stable on
  // every Node the CLI supports (fs.cp is experimental before 22.3).
  await fs.copy(root, dir, { filter: (src) => !COPY_SKIP.has(path.basename(src)) });
  for (const name of link)
    if (existsSync(path.join(root, name))) await symlink(path.join(root, name), path.join(dir, name), 'dir');
  for (const c of changes) {
    const file = path.join(dir, c.path);
    if (c.before === null) await rm(file, { force: true });
    else await writeFile(file, c.before);
  }
  return { dir, cleanup: () => rm(base, { recursive: true, force: true }) };
}

export function countOutcome(o: TestOutcome): { passed: number; failed: number } {
  return (
    o.counts ?? {
      passed: [...o.results.values()].filter(Boolean).length,
      failed: [...o.results.values()].filter((v) => !v).length,
    }
  );
}

/** A suite that passed nothing on the original code (it cannot even be collected, say) vouches for nothing. */
function nothingPassed(before: TestOutcome): string | undefined {
  if (countOutcome(before).passed > 0) return undefined;
  const [first] = before.errors;
  const firstLine = first ? ` (first failure: ${first[0]}: ${first[1].split('\n')[0]})` : '';
  return `passed no test on the original code${firstLine}, so it cannot show whether the change broke anything`;
}

/** The suite, run on a copy with the original code and then on the changed project, compared. */
export async function testBeforeAndAfter(
  root: string,
  changes: { path: string; before: string | null }[],
  suite: {
    command: string;
    run: (dir: string, phase: 'before' | 'after') => Promise<TestOutcome>;
    verdicts?: RegExp[];
    link?: string[];
  },
  update: (message: string) => void,
): Promise<ProjectTestsReport> {
  const original = await originalCopy(root, changes, suite.link);
  try {
    update('on the original code');
    const before = await suite.run(original.dir, 'before');
    update('on the changed code');
    const after = await suite.run(root, 'after');
    const notes = [
      before.note && `on the original code: ${before.note}`,
      after.note && `on the changed code: ${after.note}`,
      nothingPassed(before),
    ].filter(Boolean);
    return {
      ...(notes.length > 0 ? { note: `${suite.command} ${notes.join('; ')}` } : {}),
      ran: true,
      command: suite.command,
      before: countOutcome(before),
      after: countOutcome(after),
      ...compareOutcomes(before, after, suite.verdicts),
    };
  } finally {
    await original.cleanup();
  }
}

export function reportProjectTests(r: ProjectTestsReport, ui: Ui): void {
  if (r.note) ui.warn(r.note);
  if (!r.ran) return;
  const { before, after } = { before: r.before!, after: r.after! };
  const line = `the project's tests: ${before.passed} passed / ${before.failed} failed before, ${after.passed} / ${after.failed} after`;
  if (!brokeProjectTests(r)) {
    // Nothing passed before: the note above says why this line proves little.
    if (before.passed > 0) ui.success(line);
    else ui.warn(line);
  } else if (r.regressions.length > 0) {
    const first = r.regressions[0]!;
    ui.block(
      `${line}\nadd-tracing broke ${r.regressions.length} test${r.regressions.length === 1 ? '' : 's'} that passed before; ` +
        `first: ${first.id}: ${first.error}` +
        (r.exitStatus
          ? `\n${r.command ?? 'the suite'} exited ${r.exitStatus.after} (${r.exitStatus.before} before)`
          : ''),
    );
  } else {
    const { before: b, after: a, detail } = r.exitStatus!;
    ui.block(`${line}\nbut ${r.command ?? 'the suite'} exited ${a} after the change (${b} before): ${detail}`);
  }
}
