/**
 * add-tracing and doctor for an existing Express or Fastify service: the same steps as for a Python
 * service (analysis, diagnosis, a reviewable diff, consent, git safety, atomic writes, the answers file,
 * then install and the smoke test), on package.json, the start command and a `--import` bootstrap.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ResultPromise } from 'execa';
import pc from 'picocolors';
import { plainDiff } from '../../../pipeline/diff.js';
import { printNextSteps, reviewAndWrite, type TracingResultBase } from '../../../pipeline/review-and-write.js';
import { readAppEnv } from '../../../pipeline/app-env.js';
import { READINESS_PATH } from '../../../smoke/readiness.js';
import { parseOptionsOrThrow, readConfigFile } from '../../../answers/config-file.js';
import { EXIT_FAILURE, EXIT_OK, InstallError, UsageError } from '../../../core/errors.js';
import { interruptedBy, onInterruptCleanup } from '../../../core/interrupt.js';
import { OPTION_KEYS, type ServiceOptions } from '../../../options/schema.js';
import { ANSWERS_FILE } from '../../../core/paths.js';
import { peekAnswers, type ExistingAnswers } from '../../../answers/document.js';
import { readAnswersText } from '../../../answers/file.js';
import { layerOptions } from '../../../answers/layer-options.js';
import { writeFileAtomic } from '../../../generate/write.js';
import type { SmokeReport } from '../../../smoke/run.js';
import type { SmokeContract } from '../../../smoke/types.js';
import { reportInstallError, smokeStep as smokeStepOf } from '../../../pipeline/install-and-smoke.js';
import type { AddTracingFlags, Runtime, TracingPlan } from '../../types.js';
import type { Ui } from '../../../core/ui.js';
import { diagnoseNodeService } from '../doctor/index.js';
import { nodeModulesIgnoreChange } from './gitignore.js';
import { ensurePackageManager, installForSmoke, serviceNode, updateLockfile, type LockUpdate } from './install.js';
import { planNodeChanges, refuseNodeProject } from './changes.js';
import { analyseNodeProject, type NodeProject } from './project.js';
import { formatFindings } from '../../../pipeline/findings.js';
import { type FileChange, changeSummaries } from '../../../pipeline/changes.js';
import { buildForSmoke, buildToRun } from './build.js';
import { analysisNotes, explainShutdown } from './review-notes.js';
import { brokeProjectTests, reportProjectTests, type ProjectTestsReport } from '../../../pipeline/project-tests.js';
import { nodeProjectTestsStep } from './project-tests.js';
import { readTextSync } from '../../../core/read-file.js';

export interface NodeAddTracingResult extends TracingResultBase {
  runtime: 'node';
  project: ReturnType<typeof summarizeNodeProject>;
  lock?: LockUpdate;
  route?: { path: string; template: string };
  install?: { installer: string; error?: string; rerun?: string };
  smoke?: SmokeReport;
  projectTests?: ProjectTestsReport;
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
  const fromConfig = config ? await readConfigFile(config) : {};
  const detected = project.framework?.name;
  const requested = flagOptions.framework ?? (fromConfig as Record<string, unknown>).framework;
  if (requested !== undefined && detected && requested !== detected)
    throw new UsageError(
      `--framework ${String(requested)} does not match the service (${detected} in package.json); drop --framework — nothing was changed`,
    );
  // The framework is the one package.json depends on (any other asked for was refused above); an unreadable
  // answers file gives no options; keys that are not options (an answers file's other parts) are dropped.
  const { raw, sourceOf } = layerOptions({
    flags: flagOptions,
    config: fromConfig,
    answers: peekAnswers(previous)?.options,
    defaults: { serviceName: serviceNameOf(project, root) },
    fixed: { framework: detected },
    keys: OPTION_KEYS,
  });
  return parseOptionsOrThrow(raw, sourceOf);
}

/** Analyses the service and plans its change; nothing is written. */
export async function planNodeTracing(
  runtime: Runtime,
  root: string,
  flagOptions: Record<string, unknown>,
  flags: AddTracingFlags,
  ui: Ui,
): Promise<TracingPlan> {
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
    diff: plainDiff(plan.changes),
    written: [],
    notes: plan.notes,
  };
  // pnpm/Yarn that cannot run here: refused before anything is written (never npm over their tree).
  if (!flags.dryRun && (flags.install || (flags.lock !== false && plan.packageJsonChanged)))
    await ensurePackageManager(root, project, await serviceNode().catch(() => undefined));
  return {
    result,
    changes: plan.changes,
    notes: plan.notes,
    traced: 'the service',
    afterWrite: async (_written, ui) =>
      !plan.packageJsonChanged || flags.lock === false || relockOrRestore(root, project, plan.changes, ui, result),
    async verify(ui) {
      const run = {
        startCommand: plan.startCommand,
        route: plan.route,
        smoke: flags.smoke,
        ...(flags.envFile ? { envFile: flags.envFile } : {}),
      };
      await smokeStep(runtime, root, project, options, run, ui, result);
      if (flags.projectTests === false || !result.install || result.install.error) return result.ok;
      const tests = await nodeProjectTestsStep(root, project, plan.changes, await serviceNode(), ui);
      reportProjectTests(tests, ui);
      result.projectTests = tests;
      result.ok = result.ok && !brokeProjectTests(tests);
      return result.ok;
    },
    nextStep: () => `${startHint(project)}# runs with the bootstrap preloaded`,
  };
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
  const lockBefore = readTextSync(path.join(root, lockfile));
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
  runtime: Runtime,
  root: string,
  project: NodeProject,
  options: ServiceOptions,
  run: {
    startCommand: string[];
    route: { path: string; template: string };
    smoke: boolean;
    envFile?: string;
    contract?: SmokeContract;
  },
  ui: Ui,
  result: R,
): Promise<{ code: number; result: R }> {
  const { startCommand, route } = run;
  const node = await serviceNode();
  try {
    const done = await ui.step('Installing npm dependencies', (update) => installForSmoke(root, project, node, update));
    result.install = done;
    // The smoke test runs the built entry directly: a fresh checkout has no build output, or an old one.
    const build = buildToRun(project);
    if (build) await ui.step(`Building the service: npm run build (${build})`, () => buildForSmoke(root, build, node));
  } catch (error) {
    if (!(error instanceof InstallError)) throw error;
    reportInstallError(error, ui);
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
  // An existing service writes no OpenTelemetry log records of its own (console output is not one).
  const smokeOptions: ServiceOptions = { ...options, signals: options.signals.filter((s) => s !== 'logs') };
  const smoke = await smokeStepOf(
    {
      projectDir: root,
      venvDir: node.binDir ?? '',
      options: smokeOptions,
      runtime,
      readyPath: READINESS_PATH,
      env: appEnv.env,
      ...(run.contract ? { contract: run.contract } : {}),
      serverCommand: (port: number) => ['env', `PORT=${port}`, ...startCommand],
      expectation: {
        requestPath: route.path,
        route: route.template,
        serverSpanName: `GET ${route.template}`,
        expectChild: false,
        spansPerRequest: 1,
        spansPerRequestMode: 'atLeast',
      },
    },
    ui,
    // When the service had to be killed, its own shutdown handler is named before the flush is blamed.
    (report) => explainShutdown(report, project),
  );
  result.smoke = smoke;
  result.ok = smoke.ok;
  return { code: smoke.ok ? EXIT_OK : EXIT_FAILURE, result };
}

/** How to start the service as its start script does, padded like the lines above it. */
function startHint(project: NodeProject): string {
  const name = project.start.scriptName ?? 'start';
  return (name === 'start' ? 'npm start' : `npm run ${name}`).padEnd(39);
}

/** `smoke` on a service add-tracing wired: its dependencies, its recorded start command and route. */
export async function nodeSmoke(
  runtime: Runtime,
  root: string,
  existing: ExistingAnswers,
  options: ServiceOptions,
  ui: Ui,
  contract?: SmokeContract,
) {
  const project = analyseNodeProject(root);
  const route = existing.route ?? { path: '/', template: '/' };
  const result: Pick<NodeAddTracingResult, 'ok' | 'install' | 'route' | 'smoke'> & { directory: string } = {
    ok: true,
    directory: root,
  };
  return smokeStep(
    runtime,
    root,
    project,
    options,
    { startCommand: existing.serverCommand, route, smoke: true, ...(contract ? { contract } : {}) },
    ui,
    result,
  );
}
