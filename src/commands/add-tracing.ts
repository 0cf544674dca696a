/**
 * `add-tracing [dir]`: trace an existing web service the way generated services are, show the change
 * as a diff, write it (atomically, only with consent), record it in the answers file, then smoke-test it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as clack from '@clack/prompts';
import pc from 'picocolors';
import { applyChanges, checkWritable, pathsWritten } from '../add-tracing/apply.js';
import { describeTarget, detectProject } from '../add-tracing/detect.js';
import { diagnose, formatFindings, type Finding } from '../add-tracing/diagnose.js';
import { renderDiff } from '../add-tracing/diff.js';
import { projectEnvironment, readLocks } from '../add-tracing/environment.js';
import { formatStep, type FormatResult } from '../add-tracing/format.js';
import { refuseUncommitted } from '../add-tracing/git.js';
import { venvIgnoreChange } from '../add-tracing/gitignore.js';
import { lockConstraints, routeFromFlag, type RouteChoice } from '../add-tracing/install.js';
import type { RelockResult } from '../add-tracing/lock.js';
import { planChanges, type FileChange, type TelemetryPlacement } from '../add-tracing/patch.js';
import { projectTestsStep, reportProjectTests, type ProjectTestsReport } from '../add-tracing/project-tests.js';
import { refuseUnworkable, tracedFramework } from '../add-tracing/refuse.js';
import { relockStep } from '../add-tracing/relock-step.js';
import { renderReview } from '../add-tracing/review.js';
import { existingSmokeSettings, readAppEnv } from '../add-tracing/smoke-target.js';
import { summarizeReport } from '../add-tracing/summary.js';
import { renderTelemetryModule } from '../add-tracing/telemetry-module.js';
import { frameworkWiring } from '../add-tracing/wiring.js';
import { venvPython, VENV_DIR } from '../python-env.js';
import type { ProjectReport, ServeTarget } from '../add-tracing/types.js';
import { CancelledError, EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.js';
import { getFramework } from '../frameworks/index.js';
import { OPTION_KEYS, type OptionSource, type ServiceOptions } from '../options.js';
import { ANSWERS_FILE, cliVersion } from '../paths.js';
import { frameworkLine } from '../plan.js';
import type { ExistingAnswers } from '../project.js';
import type { Ui } from '../ui.js';
import { ANSWERS_SCHEMA_VERSION, serializeAnswers } from '../upgrade/answers.js';
import { MIGRATION_IDS } from '../upgrade/migrations.js';
import { telemetryRecord, type FileRecord } from '../upgrade/record.js';
import type { OtelLineName } from '../versions.js';
import { writeFileAtomic } from '../write.js';
import { isNodeService } from '../node-existing/detect.js';
import { parseOptionsOrThrow, readConfigFile } from '../config-file.js';
import { installAndSmoke, type PipelineResult } from './pipeline.js';

export interface AddTracingFlags {
  app?: string;
  route?: string;
  yes?: boolean;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
  install: boolean;
  smoke: boolean;
  config?: string;
  /** --no-lock sets it false. */
  lock?: boolean;
  envFile?: string;
  showNew?: boolean;
  /** --no-project-tests sets it false. */
  projectTests?: boolean;
  /** --no-format sets it false. */
  format?: boolean;
}

export interface AddTracingResult {
  ok: boolean;
  directory: string;
  dryRun: boolean;
  /** Whether files were (or, with --dry-run, would be) changed. */
  changed: boolean;
  project: ReturnType<typeof summarizeReport>;
  options?: ServiceOptions;
  /** The diagnosis before the change. */
  findings: Finding[];
  changes: { path: string; action: 'create' | 'modify'; summary: string[] }[];
  /** The change as a plain unified diff. */
  diff: string;
  written: string[];
  notes: string[];
  route?: RouteChoice;
  /** The OpenTelemetry set chosen and why; the Python the venv is built with. */
  environment?: { otelVersion: string; reason: string; python?: string; declaredPython: string[] };
  locks?: RelockResult[];
  formatters?: FormatResult[];
  projectTests?: ProjectTestsReport;
  pipeline?: PipelineResult;
}

async function chooseApp(report: ProjectReport, ui: Ui): Promise<{ serve: ServeTarget; id: string }> {
  const options = report.candidates.filter((c) => !c.mountedIn).flatMap((c) => c.serve.map((s) => ({ c, s })));
  if (!ui.interactive || options.length === 0)
    throw new UsageError(`${report.ambiguity ?? 'cannot decide which app to trace'}; pass --app module:attr`);
  const picked = await clack.select({
    message: 'Which app should be traced?',
    options: options.map((o, i) => ({ value: i, label: describeTarget(o.s), hint: o.c.id })),
  });
  if (clack.isCancel(picked)) throw new CancelledError();
  const o = options[picked as number]!;
  return { serve: o.s, id: o.c.id };
}

export async function addTracingCommand(
  dirArg: string | undefined,
  flagOptions: Record<string, unknown>,
  flags: AddTracingFlags,
  ui: Ui,
): Promise<{ code: number; result: AddTracingResult }> {
  const root = path.resolve(dirArg ?? '.');
  if (flags.route !== undefined && !flags.route.startsWith('/'))
    throw new UsageError(`--route ${JSON.stringify(flags.route)} must be a path starting with /`);
  if (flags.envFile !== undefined && !existsSync(path.resolve(flags.envFile))) {
    throw new UsageError(
      `--env-file ${flags.envFile} does not exist; pass an existing dotenv file — nothing was changed`,
    );
  }
  if (isNodeService(root)) {
    const { nodeAddTracing } = await import('../node-existing/command.js');
    return nodeAddTracing(root, flagOptions, flags, ui) as unknown as Promise<{
      code: number;
      result: AddTracingResult;
    }>;
  }
  let report = await ui.step(`Analysing ${path.relative(process.cwd(), root) || '.'}`, () =>
    detectProject(root, { app: flags.app }),
  );

  if (report.answers?.generated) {
    ui.info(
      `${root} was generated by create-traced-service and is traced already; run \`create-traced-service smoke\` to check it`,
    );
    const result: AddTracingResult = {
      ok: true,
      directory: root,
      dryRun: Boolean(flags.dryRun),
      changed: false,
      project: summarizeReport(report),
      findings: [],
      changes: [],
      diff: '',
      written: [],
      notes: [],
    };
    return { code: EXIT_OK, result };
  }

  // Refuse what cannot be handled, before anything is shown or touched.
  refuseUnworkable(report);
  if (!report.selected) {
    if (flags.app !== undefined) throw new UsageError(report.ambiguity ?? `--app ${flags.app} not found`);
    const chosen = await chooseApp(report, ui);
    report = await detectProject(root, { app: `${chosen.serve.module}:${chosen.serve.attr}` });
  }
  const app = report.selected!;
  const serve = report.selectedServe!;

  // Options: the previous run's answers, then --config, then flags; the service name defaults to the project's.
  const prevRaw = report.answers?.raw as
    | { options?: Record<string, unknown>; existing?: ExistingAnswers; cliVersion?: string }
    | undefined;
  const prevExisting = prevRaw?.existing;
  const fromConfig = flags.config ? await readConfigFile(flags.config) : {};
  const framework = tracedFramework(report, flagOptions.framework ?? (fromConfig as Record<string, unknown>).framework);
  const base: Record<string, unknown> = {
    serviceName: report.projectName ?? path.basename(root),
    ...(prevRaw?.options ?? {}),
    framework,
  };
  const raw = Object.fromEntries(
    Object.entries({ ...base, ...fromConfig, ...flagOptions }).filter(([k]) => (OPTION_KEYS as string[]).includes(k)),
  );
  const sourceOf = (key: string): OptionSource => (key in flagOptions || !(key in fromConfig) ? 'flag' : 'config');
  const options = parseOptionsOrThrow(raw, sourceOf);
  // The OpenTelemetry set: the one asked for (checked), else the newest that fits the project's Python and framework.
  const requested = (raw.otelVersion !== undefined ? options.otelVersion : undefined) as OtelLineName | undefined;
  const projectEnv = await projectEnvironment(root, options.framework, report.dependencyFiles, requested).catch(
    (error: Error) => {
      throw new UsageError(error.message);
    },
  );
  options.otelVersion = projectEnv.choice.line;
  ui.info(projectEnv.choice.reason);
  const needsVenv = flags.install && !flags.dryRun;
  if (projectEnv.missing && needsVenv) throw new UsageError(projectEnv.missing);
  if (projectEnv.interpreter)
    ui.info(
      `Python ${projectEnv.interpreter.version} (${projectEnv.interpreter.command}) for the smoke test${projectEnv.declared.sources.length ? `: the project declares ${projectEnv.declared.sources.join(', ')}` : ''}`,
    );
  const line = frameworkLine(options);
  const frameworkDescriptor = getFramework(options.framework);
  const wiring = frameworkWiring(report, options, line);
  const optionsChanged = JSON.stringify(prevRaw?.options ?? null) !== JSON.stringify(options);

  const appRef = `${serve.module}:${serve.attr}`;
  const sameApp = prevExisting?.app === appRef;
  // The route: --route (a template now, a concrete path once the route table maps it), else the recorded one.
  const recordedRoute = sameApp ? prevExisting?.route : undefined;
  let route: RouteChoice | undefined = !flags.route
    ? recordedRoute
    : flags.route.includes('{')
      ? routeFromFlag(flags.route)
      : recordedRoute?.path === flags.route
        ? recordedRoute
        : undefined;

  const existingRecord = (
    placement: TelemetryPlacement,
    dependencyFiles: string[],
    did: string[],
  ): ExistingAnswers => ({
    app: appRef,
    ...(serve.factory ? { factory: true } : {}),
    ...(serve.appDir ? { appDir: serve.appDir } : {}),
    serverCommand: wiring.serverCommand(serve),
    ...(route ? { route } : {}),
    telemetryModule: placement.path,
    dependencyFiles,
    did,
  });
  // One key order, whichever way the record was built, so an unchanged record is byte-identical.
  const canonical = (e: ExistingAnswers): ExistingAnswers => ({
    app: e.app,
    ...(e.factory ? { factory: true } : {}),
    ...(e.appDir ? { appDir: e.appDir } : {}),
    serverCommand: e.serverCommand,
    ...(e.route ? { route: { path: e.route.path, template: e.route.template } } : {}),
    ...(e.telemetryModule ? { telemetryModule: e.telemetryModule } : {}),
    ...(e.dependencyFiles ? { dependencyFiles: e.dependencyFiles } : {}),
    did: e.did ?? [],
  });
  // What was written (the telemetry module's hash and text), so `upgrade` can merge the user's edits later.
  const prevRecord = prevRaw as { files?: unknown; base?: unknown } | undefined;
  let fileRecord: Partial<FileRecord> = telemetryRecord(undefined, prevRecord);
  const answersText = (existing: ExistingAnswers) =>
    serializeAnswers({
      schemaVersion: ANSWERS_SCHEMA_VERSION,
      cliVersion: cliVersion(),
      options,
      existing: canonical(existing),
      migrations: MIGRATION_IDS,
      ...fileRecord,
    });
  let record: ExistingAnswers | undefined;

  const planned = planChanges(report, {
    renderTelemetry: (placement) => renderTelemetryModule(options, placement, app.file.module),
    line,
    lineName: options.otelVersion,
    wanted: wiring.wanted,
    ...(wiring.gunicorn ? { gunicorn: wiring.gunicorn } : {}),
    frameworkDistributions: frameworkDescriptor.detectDistributions,
    optionsChanged,
    answers: (changes: FileChange[], placement: TelemetryPlacement, dependencyFiles: string[]) => {
      const did =
        changes.length > 0
          ? changes.flatMap((c) => c.summary.map((s) => `${c.path}: ${s}`))
          : (prevExisting?.did ?? []);
      record = existingRecord(placement, dependencyFiles, did);
      const telemetry = changes.find((c) => c.path === placement.path);
      if (telemetry) fileRecord = telemetryRecord(telemetry, undefined);
      const text = answersText(record);
      const previous = report.texts[ANSWERS_FILE];
      if (changes.length === 0 && previous !== undefined && prevExisting) {
        // Nothing else changes: keep the file as it is unless what it records changed.
        const strip = (s: string) => JSON.stringify({ ...(JSON.parse(s) as object), cliVersion: undefined });
        try {
          if (strip(previous) === strip(text)) return previous;
        } catch {
          // not JSON: rewrite it
        }
      }
      return text;
    },
  });

  // The smoke test builds .venv inside the project: it belongs in .gitignore.
  if (needsVenv && !existsSync(path.join(root, '.venv')) && !planned.changes.some((c) => c.path === '.gitignore')) {
    const ignore = await venvIgnoreChange(
      root,
      report.texts['.gitignore'] ??
        (existsSync(path.join(root, '.gitignore')) ? readFileSync(path.join(root, '.gitignore'), 'utf8') : undefined),
    );
    if (ignore) planned.changes.push(ignore);
  }
  const findings = diagnose(report);
  const diffPlain = renderDiff(planned.changes, false);
  const result: AddTracingResult = {
    ok: true,
    directory: root,
    dryRun: Boolean(flags.dryRun),
    changed: planned.changes.length > 0,
    project: summarizeReport(report),
    options,
    findings,
    changes: planned.changes.map((c) => ({
      path: c.path,
      action: c.before === null ? 'create' : 'modify',
      summary: c.summary,
    })),
    diff: diffPlain,
    written: [],
    notes: planned.notes,
    ...(route ? { route } : {}),
    environment: {
      otelVersion: projectEnv.choice.line,
      reason: projectEnv.choice.reason,
      ...(projectEnv.interpreter ? { python: projectEnv.interpreter.version } : {}),
      declaredPython: projectEnv.declared.sources,
    },
  };

  const color = !ui.json && process.stdout.isTTY === true;
  ui.block(`${pc.bold('Diagnosis')}\n${formatFindings(findings, { color })}`);
  for (const note of planned.notes) ui.warn(note);

  if (planned.changes.length === 0) {
    ui.success('Nothing to change: the app is traced already (add-tracing changes nothing the second time)');
  } else {
    const touched = planned.changes.map((c) => c.path);
    // Refuse before showing a diff that could not be written anyway.
    if (!flags.dryRun && !flags.force) await refuseUncommitted(root, await pathsWritten(root, planned.changes));
    const review = renderReview(planned.changes, { color, showNew: Boolean(flags.showNew) });
    ui.block(
      `\n${pc.bold(`${flags.dryRun ? 'Would change' : 'Changes'}: ${planned.changes.length} file${planned.changes.length === 1 ? '' : 's'}`)}\n${review}`,
    );
    if (flags.dryRun) {
      ui.info('--dry-run: nothing was written');
      return { code: EXIT_OK, result };
    }
    await checkWritable(root, planned.changes);
    if (!flags.yes) {
      if (!ui.interactive)
        throw new UsageError(
          'add-tracing changes your files: pass --yes to write them (or --dry-run to only see the diff) — nothing was changed',
        );
      const ok = await clack.confirm({
        message: `Write these changes to ${planned.changes.length} file${planned.changes.length === 1 ? '' : 's'}?`,
        initialValue: true,
      });
      if (clack.isCancel(ok) || !ok) throw new CancelledError();
    }
    await ui.step(`Writing ${planned.changes.length} file${planned.changes.length === 1 ? '' : 's'}`, () =>
      applyChanges(root, planned.changes),
    );
    result.written = touched;
    for (const c of planned.changes) for (const s of c.summary) ui.success(`${c.path}: ${s}`);
  }
  if (flags.dryRun) return { code: EXIT_OK, result };

  // The project's formatters on what was written (and only that), then its gates in check mode.
  const formatted =
    result.written.length > 0 && flags.format !== false
      ? await formatStep(root, result.written, ui)
      : { ok: true, results: [] };
  result.formatters = formatted.results;
  result.locks = await relockStep(root, result.written, ui, {
    skip: flags.lock === false,
    ...(projectEnv.interpreter ? { python: projectEnv.interpreter.command } : {}),
  });
  for (const l of result.locks) if (l.outcome === 'relocked' && l.changed) result.written.push(l.lock.file);
  if (result.locks.some((l) => l.outcome === 'failed')) {
    result.ok = false;
    return { code: EXIT_FAILURE, result };
  }

  if (!flags.install) {
    if (flags.smoke) ui.info('skipping the smoke test: it needs the installed environment (--no-install)');
    result.ok = formatted.ok;
    return { code: formatted.ok ? EXIT_OK : EXIT_FAILURE, result };
  }
  const recorded =
    record ??
    existingRecord(
      { path: planned.placement.path, importLine: '', module: '' },
      planned.dependencyFiles,
      prevExisting?.did ?? [],
    );
  const settings = await existingSmokeSettings(root, recorded, options, ui, flags.route, flags.envFile);
  const resolve = settings.pipeline.resolveTarget;
  settings.pipeline.resolveTarget = async (env) => {
    const target = await resolve(env);
    const picked = settings.route();
    // Record the route picked from the app's route table, so `smoke` requests the same one.
    if (picked && (picked.path !== recorded.route?.path || picked.template !== recorded.route?.template)) {
      route = picked;
      const updated = answersText({ ...recorded, route: picked });
      await writeFileAtomic(path.join(root, ANSWERS_FILE), updated);
      ui.info(`smoke test route: GET ${picked.path} (${picked.template}), recorded in ${ANSWERS_FILE}`);
    }
    return target;
  };
  try {
    const basePython = projectEnv.interpreter
      ? { basePython: { command: projectEnv.interpreter.command, version: projectEnv.interpreter.version } }
      : {};
    result.pipeline = await installAndSmoke(
      root,
      options,
      { smoke: flags.smoke, ...settings.pipeline, ...basePython },
      ui,
    );
  } finally {
    await settings.cleanup();
  }
  if (route) result.route = route;
  if (
    flags.projectTests !== false &&
    result.pipeline.install &&
    !result.pipeline.install.error &&
    planned.changes.length > 0
  ) {
    result.projectTests = await projectTestsStep(
      root,
      venvPython(path.join(root, VENV_DIR)),
      planned.changes,
      { constraints: lockConstraints(await readLocks(root)), env: (await readAppEnv(root, flags.envFile, ui)).env },
      ui,
    );
    reportProjectTests(result.projectTests, ui);
  }
  const testsOk = (result.projectTests?.regressions.length ?? 0) === 0;
  result.ok = result.pipeline.ok && formatted.ok && testsOk;
  if (result.ok) {
    const rel = path.relative(process.cwd(), root) || '.';
    ui.block(
      [
        '',
        pc.bold('Next steps'),
        `  git -C ${rel} diff                         # review what changed`,
        `  npx create-traced-service doctor ${rel}    # the diagnosis again (exit 1 on problems)`,
        `  npx create-traced-service smoke ${rel}     # prove the wiring again`,
      ].join('\n'),
    );
  }
  return { code: result.ok ? EXIT_OK : EXIT_FAILURE, result };
}
