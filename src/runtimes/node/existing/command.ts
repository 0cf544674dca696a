/**
 * add-tracing and doctor for an existing Express or Fastify service: the same steps as for a Python
 * service (analysis, diagnosis, a reviewable diff, consent, git safety, atomic writes, the answers file,
 * then install and the smoke test), on package.json, the start command and a `--import` bootstrap.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ResultPromise } from 'execa';
import pc from 'picocolors';
import { formatFindings } from '../../python/existing/diagnose.js';
import { renderDiff } from '../../../pipeline/diff.js';
import type { FileChange } from '../../python/existing/patch.js';
import { changeSummaries, printNextSteps, reviewAndWrite, type TracingResultBase } from '../../../pipeline/review-and-write.js';
import { READINESS_PATH, readAppEnv } from '../../python/existing/smoke-target.js';
import { parseOptionsOrThrow, readConfigFile } from '../../../answers/config-file.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../../../core/errors.js';
import { interruptedBy, onInterruptCleanup } from '../../../core/interrupt.js';
import { OPTION_KEYS, type OptionSource, type ServiceOptions } from '../../../options/schema.js';
import { ANSWERS_FILE } from '../../../core/paths.js';
import type { ExistingAnswers } from '../../../answers/read.js';
import { writeFileAtomic } from '../../../generate/write.js';
import type { SmokeReport } from '../../../smoke/run.js';
import type { Ui } from '../../../core/ui.js';
import { diagnoseNodeService } from '../doctor/index.js';
import { nodeModulesIgnoreChange } from './gitignore.js';
import { installForSmoke, serviceNode, updateLockfile, type LockUpdate } from './install.js';
import { planNodeChanges, refuseNodeProject } from './plan.js';
import { analyseNodeProject, type NodeProject } from './project.js';
import { buildForSmoke, buildToRun } from './build.js';
import { analysisNotes, explainShutdown } from './review-notes.js';

export interface NodeAddTracingFlags {
  route?: string;
  yes?: boolean;
  dryRun?: boolean;
  force?: boolean;
  install: boolean;
  smoke: boolean;
  config?: string;
  lock?: boolean;
  showNew?: boolean;
  /** Variables the service needs to start (else the project's .env); OTEL_* are left out. */
  envFile?: string;
}

export interface NodeAddTracingResult extends TracingResultBase {
  runtime: 'node';
  project: ReturnType<typeof summarizeNodeProject>;
  lock?: LockUpdate;
  route?: { path: string; template: string };
  install?: { installer: string; error?: string; rerun?: string };
  smoke?: SmokeReport;
}

export function summarizeNodeProject(project: NodeProject) {
  return {
    root: project.root,
    runtime: 'node' as const,
    framework: project.framework ?? null,
    moduleType: project.moduleType,
    typescript: project.typescript ?? null,
    packageManager: project.packageManager,
    start: { script: project.start.script ?? null, source: project.start.source ?? null },
    entry: project.entry ?? null,
    loadOrder: project.events,
    bundled: project.bundled ?? null,
  };
}

function serviceNameOf(project: NodeProject, root: string): string {
  const name = 'error' in project.packageJson ? undefined : project.packageJson.data.name;
  return (name ?? path.basename(root)).replace(/^@[^/]+\//, '');
}

async function resolveOptions(
  project: NodeProject,
  root: string,
  flagOptions: Record<string, unknown>,
  config: string | undefined,
  previous: string | undefined,
): Promise<ServiceOptions> {
  let prevOptions: Record<string, unknown> = {};
  try {
    prevOptions = previous ? ((JSON.parse(previous) as { options?: Record<string, unknown> }).options ?? {}) : {};
  } catch {
    // unreadable answers: the defaults
  }
  const fromConfig = config ? await readConfigFile(config) : {};
  const detected = project.framework?.name;
  const requested = flagOptions.framework ?? (fromConfig as Record<string, unknown>).framework;
  if (requested !== undefined && detected && requested !== detected)
    throw new UsageError(
      `--framework ${String(requested)} does not match the service (${detected} in package.json); drop --framework — nothing was changed`,
    );
  const merged = {
    serviceName: serviceNameOf(project, root),
    ...prevOptions,
    ...fromConfig,
    ...flagOptions,
    framework: detected,
  };
  const raw = Object.fromEntries(Object.entries(merged).filter(([k]) => (OPTION_KEYS as string[]).includes(k)));
  const sourceOf = (key: string): OptionSource => (key in flagOptions || !(key in fromConfig) ? 'flag' : 'config');
  return parseOptionsOrThrow(raw, sourceOf);
}

export async function nodeAddTracing(
  root: string,
  flagOptions: Record<string, unknown>,
  flags: NodeAddTracingFlags,
  ui: Ui,
): Promise<{ code: number; result: NodeAddTracingResult }> {
  const project = await ui.step(`Analysing ${path.relative(process.cwd(), root) || '.'} (Node.js)`, async () =>
    analyseNodeProject(root),
  );
  // Refused before anything is shown or touched (or options are read: a framework may be unknown to them).
  refuseNodeProject(project);
  const previous = await readAnswersText(root);
  const findings = diagnoseNodeService(root, project).findings;
  const options = await resolveOptions(project, root, flagOptions, flags.config, previous);
  const plan = planNodeChanges(project, options, previous, flags.route);
  plan.notes.push(...analysisNotes(project));
  if (flags.install && !flags.dryRun) {
    const ignore = await nodeModulesIgnoreChange(root);
    if (ignore) plan.changes.push(ignore);
  }
  const result: NodeAddTracingResult = {
    ok: true,
    directory: root,
    runtime: 'node',
    dryRun: Boolean(flags.dryRun),
    changed: plan.changes.length > 0,
    project: summarizeNodeProject(project),
    options,
    findings,
    changes: changeSummaries(plan.changes),
    diff: renderDiff(plan.changes, false),
    written: [],
    notes: plan.notes,
  };
  const color = !ui.json && process.stdout.isTTY === true;
  ui.block(`${pc.bold('Diagnosis')}\n${formatFindings(findings, { color })}`);
  for (const note of plan.notes) ui.warn(note);

  result.written = await reviewAndWrite(root, plan.changes, flags, ui, color, 'the service');
  if (flags.dryRun) return { code: EXIT_OK, result };

  if (
    plan.packageJsonChanged &&
    flags.lock !== false &&
    !(await relockOrRestore(root, project, plan.changes, ui, result))
  )
    return { code: EXIT_FAILURE, result };
  if (!flags.install) {
    if (flags.smoke) ui.info('skipping the smoke test: it needs the installed dependencies (--no-install)');
    return { code: EXIT_OK, result };
  }
  return smokeStep(
    root,
    project,
    options,
    {
      startCommand: plan.startCommand,
      route: plan.route,
      smoke: flags.smoke,
      ...(flags.envFile ? { envFile: flags.envFile } : {}),
    },
    ui,
    result,
  );
}

/**
 * The lockfile follows package.json, updated by the project's own package manager. When that fails the
 * files just written are put back as they were (package.json and the lockfile must agree): false.
 */
async function relockOrRestore(
  root: string,
  project: NodeProject,
  changes: FileChange[],
  ui: Ui,
  result: NodeAddTracingResult,
): Promise<boolean> {
  const lockfile = project.packageManager.lockfile;
  if (!lockfile) return true;
  const node = await serviceNode().catch(() => undefined);
  // Interrupted while the manager rewrites the lockfile: everything goes back as it was, lockfile included.
  const lockBefore = readFileSync(path.join(root, lockfile), 'utf8');
  const originals = [
    ...changes.map((c) => ({ path: c.path, before: c.before })),
    { path: lockfile, before: lockBefore },
  ];
  const restoreSync = () => {
    for (const o of originals) {
      const file = path.join(root, o.path);
      if (o.before === null) rmSync(file, { force: true });
      else writeFileSync(file, o.before);
    }
  };
  const running: { child?: ResultPromise } = {};
  const unregister = onInterruptCleanup(async () => {
    if (running.child) {
      running.child.kill('SIGKILL');
      await running.child.catch(() => undefined);
    }
    for (const o of originals) {
      const file = path.join(root, o.path);
      await (o.before === null ? rm(file, { force: true }) : writeFileAtomic(file, o.before)).catch(() => undefined);
    }
  }, restoreSync);
  let lock: LockUpdate | undefined;
  try {
    lock = await ui.step(`Updating ${lockfile} (${project.packageManager.name})`, () =>
      updateLockfile(root, project, node, running),
    );
  } finally {
    if (!interruptedBy()) unregister();
  }
  if (!lock) return true;
  result.lock = lock;
  if (lock.outcome === 'updated') result.written.push(lock.lockfile);
  if (lock.outcome === 'skipped') ui.warn(lock.detail);
  if (lock.outcome !== 'failed') return true;
  for (const c of [...changes].reverse()) {
    const file = path.join(root, c.path);
    await (c.before === null ? rm(file, { force: true }) : writeFileAtomic(file, c.before)).catch(() => undefined);
  }
  result.written = [];
  result.ok = false;
  ui.block(pc.red(`${lock.detail}\nThe changed files were restored; fix the error and run add-tracing again.`));
  return false;
}

async function smokeStep<R extends Pick<NodeAddTracingResult, 'ok' | 'install' | 'route' | 'smoke'>>(
  root: string,
  project: NodeProject,
  options: ServiceOptions,
  run: { startCommand: string[]; route: { path: string; template: string }; smoke: boolean; envFile?: string },
  ui: Ui,
  result: R,
): Promise<{ code: number; result: R }> {
  const { startCommand, route } = run;
  const { InstallError } = await import('../../python/env.js');
  const node = await serviceNode();
  try {
    const done = await ui.step('Installing npm dependencies', (update) => installForSmoke(root, project, node, update));
    result.install = done;
    // The smoke test runs the built entry directly: a fresh checkout has no build output, or an old one.
    const build = buildToRun(project);
    if (build) await ui.step(`Building the service: npm run build (${build})`, () => buildForSmoke(root, build, node));
  } catch (error) {
    if (!(error instanceof InstallError)) throw error;
    ui.block(pc.red(`Install failed: ${error.message}`));
    if (error.outputTail) ui.block(pc.dim(error.outputTail));
    result.install = {
      installer: project.packageManager.name,
      error: error.message,
      ...(error.rerun ? { rerun: error.rerun } : {}),
    };
    result.ok = false;
    return { code: EXIT_FAILURE, result };
  }
  if (!run.smoke) return { code: EXIT_OK, result };
  result.route = route;
  if (!project.modules.some((m) => m.scan.readsPort))
    ui.warn('the service does not seem to read process.env.PORT: the smoke test gives it a free port that way');
  ui.info(`smoke test route: GET ${route.path} (recorded in ${ANSWERS_FILE}; --route /path chooses another)`);
  const appEnv = await readAppEnv(root, run.envFile, ui);
  const { runSmoke } = await import('../../../smoke/run.js');
  const { formatSmokeReport } = await import('../../../smoke/report.js');
  // An existing service writes no OpenTelemetry log records of its own (console output is not one).
  const smokeOptions: ServiceOptions = { ...options, signals: options.signals.filter((s) => s !== 'logs') };
  const smoke = await ui.step(
    'Smoke test: start the service, send requests, receive its spans',
    (update) =>
      runSmoke(
        {
          projectDir: root,
          venvDir: node.binDir ?? '',
          options: smokeOptions,
          readyPath: READINESS_PATH,
          env: appEnv.env,
          serverCommand: (port) => ['env', `PORT=${port}`, ...startCommand],
          expectation: {
            requestPath: route.path,
            route: route.template,
            serverSpanName: `GET ${route.template}`,
            expectChild: false,
            spansPerRequest: 1,
            spansPerRequestMode: 'atLeast',
          },
        },
        update,
      ),
    (report) => !report.ok,
  );
  explainShutdown(smoke, project);
  ui.block(formatSmokeReport(smoke, { color: !ui.json && process.stdout.isTTY === true }));
  result.smoke = smoke;
  result.ok = smoke.ok;
  if (smoke.ok) printNextSteps(root, ui, () => `${startHint(project)}# runs with the bootstrap preloaded`);
  return { code: smoke.ok ? EXIT_OK : EXIT_FAILURE, result };
}

/** How to start the service as its start script does, padded like the lines above it. */
function startHint(project: NodeProject): string {
  const name = project.start.scriptName ?? 'start';
  return (name === 'start' ? 'npm start' : `npm run ${name}`).padEnd(39);
}

async function readAnswersText(root: string): Promise<string | undefined> {
  return readFile(path.join(root, ANSWERS_FILE), 'utf8').catch(() => undefined);
}

/** `smoke` on a service add-tracing wired: its dependencies, its recorded start command and route. */
export async function nodeSmoke(root: string, existing: ExistingAnswers, options: ServiceOptions, ui: Ui) {
  const project = analyseNodeProject(root);
  const route = existing.route ?? { path: '/', template: '/' };
  const result: Pick<NodeAddTracingResult, 'ok' | 'install' | 'route' | 'smoke'> & { directory: string } = {
    ok: true,
    directory: root,
  };
  return smokeStep(root, project, options, { startCommand: existing.serverCommand, route, smoke: true }, ui, result);
}
