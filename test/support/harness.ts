/**
 * What the end-to-end suites share: generate a project per exporter into one scratch root, copy the
 * gRPC project to break it on purpose (sharing its venv), and run `smoke --json` on a copy.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { runCli, scratchDir } from './helpers.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  diagnosis?: string;
}

/** The `smoke` part of the CLI's --json output. */
export interface SmokeJson {
  ok: boolean;
  checks: Check[];
  spans: { name: string; kind: string; traceId: string; parentSpanId: string }[];
  requests: { path: string; durationMs: number }[];
  serviceOutput?: string;
}

export interface Generated {
  code: number | null;
  result: { ok: boolean; pipeline: { smoke: SmokeJson } };
  stderr: string;
}

export interface HarnessOptions {
  /** Passed as --framework; left out, the CLI's default (FastAPI) is what runs. */
  framework?: string;
  /** Prefix of the scratch directory every project of the suite goes into. */
  rootPrefix: string;
  /** Each generated project is `<projectPrefix>-<exporter>` below the root. */
  projectPrefix?: string;
}

export interface Harness {
  /** The scratch directory the projects (and their broken copies) are written to. */
  root: string;
  /** Project directory by exporter, filled in by generate(). */
  projects: Record<string, string>;
  /** Runs the CLI as a user would, installing and smoke testing the new project. */
  generate(exporter: string, env?: NodeJS.ProcessEnv): Promise<Generated>;
  /** A copy of the gRPC project sharing its venv, with `mutate` applied. */
  brokenCopy(name: string, mutate: (dir: string) => void): string;
  /** `smoke <dir> --json`: the exit code, whether the whole run was ok, and the smoke report. */
  smokeOf(dir: string): Promise<{ code: number | null; ok: boolean; report: SmokeJson }>;
}

export function e2eHarness({ framework, rootPrefix, projectPrefix = 'svc' }: HarnessOptions): Harness {
  const root = scratchDir(rootPrefix);
  const projects: Record<string, string> = {};

  async function generate(exporter: string, env: NodeJS.ProcessEnv = {}): Promise<Generated> {
    const dir = `${projectPrefix}-${exporter}`;
    const frameworkArgs = framework ? ['--framework', framework] : [];
    const r = await runCli(
      [
        dir,
        '--yes',
        '--json',
        ...frameworkArgs,
        '--exporter',
        exporter,
        '--service-name',
        `shop "${exporter}"`,
        '--environment',
        'e2e',
      ],
      {
        cwd: root,
        env,
        timeoutMs: 570_000,
      },
    );
    projects[exporter] = path.join(root, dir);
    return { code: r.code, result: JSON.parse(r.stdout || '{}'), stderr: r.stderr };
  }

  function brokenCopy(name: string, mutate: (dir: string) => void): string {
    const base = projects['otlp-grpc']!;
    const dir = path.join(root, `broken-${name}`);
    cpSync(base, dir, {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}.venv`) && !src.includes('__pycache__'),
    });
    symlinkSync(path.join(base, '.venv'), path.join(dir, '.venv'));
    mutate(dir);
    return dir;
  }

  async function smokeOf(dir: string) {
    const r = await runCli(['smoke', dir, '--json'], { cwd: root, timeoutMs: 180_000 });
    const result = JSON.parse(r.stdout) as { ok: boolean; smoke: SmokeJson };
    return { code: r.code, ok: result.ok, report: result.smoke };
  }

  return { root, projects, generate, brokenCopy, smokeOf };
}

/** The failed checks of a report, by name, with their diagnoses. */
export function failing(report: { checks: Check[] }): Record<string, string> {
  return Object.fromEntries(report.checks.filter((c) => !c.ok).map((c) => [c.name, c.diagnosis ?? '']));
}

/** A mutation for brokenCopy(): `code` appended to the project's app/main.py. */
export const appendToMain = (code: string) => (dir: string) =>
  appendFileSync(path.join(dir, 'app', 'main.py'), `\n\n# --- broken on purpose by the test suite ---\n${code}\n`);

/** The generated project's own pytest suite, run with its venv's Python; returns what it printed. */
export function projectPytest(dir: string, timeoutMs: number): string {
  const python = path.join(dir, '.venv', 'bin', 'python');
  return execFileSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
}
