/**
 * The Node service's own tests, run by its own package manager (`npm test`, `pnpm test`, `yarn test`)
 * before and after add-tracing's change, on the dependencies the smoke test installed: after the change
 * with the bootstrap preloaded (NODE_OPTIONS=--import), as tracing will be on, exporting to a closed port.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import {
  brokeProjectTests,
  testBeforeAndAfter,
  tracedSuiteEnvironment,
  type ProjectTestsReport,
  type TestOutcome,
} from '../../../pipeline/project-tests.js';
import type { Ui } from '../../../core/ui.js';
import type { ServiceNode } from '../env.js';
import { managerRunner, nodeEnv, type Runner } from './install.js';
import { onInterruptCleanup } from '../../../core/interrupt.js';
import { BOOTSTRAP_FILE, type NodeProject } from './project.js';
import { parseTestOutput } from './test-output.js';

const SUITE_TIMEOUT_MS = 600_000;
// What `npm init` writes: not a suite.
const PLACEHOLDER = /no test specified/;
// The runners' own last words on a failed run.
const VERDICTS = [
  /^(?:ℹ|#)\s*fail [1-9]/,
  /^Tests:?\s.*\bfailed\b/,
  /^\d+ failing\b/,
  /\bERR!|ELIFECYCLE|exit code \d+/,
];

/** The project's test script, unless it is npm's placeholder. */
export function testScript(project: NodeProject): string | undefined {
  const script = 'error' in project.packageJson ? undefined : project.packageJson.data.scripts?.test;
  return script && !PLACEHOLDER.test(script) ? script : undefined;
}

/**
 * The suite's environment. SDK timeouts are milliseconds in JavaScript. No color, so the output reads the
 * same before and after; stdin is not a terminal, so vitest runs once instead of watching.
 */
export async function nodeSuiteEnvironment(
  base: NodeJS.ProcessEnv,
  bootstrap: string | undefined,
): Promise<Record<string, string>> {
  const env = Object.fromEntries(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined));
  const preload = bootstrap ? `--import ${pathToFileURL(bootstrap).href}` : '';
  return tracedSuiteEnvironment(env, {
    OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    NODE_OPTIONS: [env.NODE_OPTIONS, preload].filter(Boolean).join(' '),
  });
}

/** Ends every process the suite started (a server a failed test left open keeps its runner alive). */
function killGroup(pid: number | undefined): void {
  try {
    if (pid) process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The test script in a process group of its own, ended with everything in it when it is done or times out. */
export async function runNodeSuite(
  runner: Runner,
  cwd: string,
  env: Record<string, string>,
  timeoutMs = SUITE_TIMEOUT_MS,
): Promise<TestOutcome> {
  const child = execa(runner.file, [...runner.prefix, 'test'], {
    cwd,
    env,
    extendEnv: false,
    reject: false,
    all: true,
    stdin: 'ignore',
    detached: true,
  });
  const unregister = onInterruptCleanup(
    async () => killGroup(child.pid),
    () => killGroup(child.pid),
  );
  const timer = setTimeout(() => killGroup(child.pid), timeoutMs);
  try {
    const r = await child;
    const output = String(r.all ?? '');
    if (r.signal === 'SIGKILL' && !r.exitCode)
      return { ...parseTestOutput(output, 1), note: `timed out after ${Math.round(timeoutMs / 1000)}s` };
    return parseTestOutput(output, r.exitCode ?? 1);
  } finally {
    clearTimeout(timer);
    killGroup(child.pid);
    unregister();
  }
}

/** Runs the test script on the original and on the changed service; not run when it has none. */
export async function nodeProjectTestsStep(
  root: string,
  project: NodeProject,
  changes: { path: string; before: string | null }[],
  node: ServiceNode,
  ui: Ui,
): Promise<ProjectTestsReport> {
  if (!testScript(project)) {
    const placeholder = 'error' in project.packageJson ? false : Boolean(project.packageJson.data.scripts?.test);
    const why = `package.json has no test script${placeholder ? " (only npm init's placeholder)" : ''}`;
    return {
      ran: false,
      regressions: [],
      note: `${why}: the project's own tests were not run before and after the change`,
    };
  }
  const base = nodeEnv(node);
  const runner = await managerRunner(root, project, base);
  if (!runner) return { ran: false, regressions: [], note: `${project.packageManager.name} cannot run here` };
  const command = `${runner.display} test`;
  return ui.step(
    `Running the project's tests before and after the change (${command})`,
    (update) =>
      testBeforeAndAfter(
        root,
        changes,
        {
          command,
          // The original code, on the same installed dependencies; then with the bootstrap preloaded.
          run: async (dir, phase) =>
            runNodeSuite(
              runner,
              dir,
              await nodeSuiteEnvironment(base, phase === 'after' ? path.join(root, BOOTSTRAP_FILE) : undefined),
            ),
          verdicts: VERDICTS,
          link: ['node_modules'],
        },
        update,
      ),
    brokeProjectTests,
  );
}
