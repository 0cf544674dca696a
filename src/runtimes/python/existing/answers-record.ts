/**
 * add-tracing's answers file: the options, what was wired (app, start command, route, telemetry module,
 * dependency files, one line per change) and the telemetry module's text, so `smoke`, `doctor` and
 * `upgrade` work from what was recorded.
 */
import type { ServiceOptions } from '../../../options/schema.js';
import { peekAnswers, type ExistingAnswers, type RecordedAnswers } from '../../../answers/document.js';
import { tracedAnswersText } from '../../../answers/file.js';
import { telemetryRecord, type FileRecord } from '../../../answers/record.js';
import { routeFromFlag, type RouteChoice } from './install.js';
import type { TelemetryPlacement } from './patch.js';
import type { AnalysedProject, ProjectReport, ServeTarget } from './types.js';
import type { FileChange } from '../../../pipeline/changes.js';

/** What a previous add-tracing run recorded, as read (not validated: every field may be missing). */
export function previousAnswers(report: ProjectReport): RecordedAnswers | undefined {
  return report.answers ? (report.answers.recorded ?? {}) : undefined;
}

/** One key order, whichever way the record was built, so an unchanged record is byte-identical. */
export function canonicalExisting(e: ExistingAnswers): ExistingAnswers {
  return {
    app: e.app,
    ...(e.factory ? { factory: true } : {}),
    ...(e.appDir ? { appDir: e.appDir } : {}),
    serverCommand: e.serverCommand,
    ...(e.route ? { route: { path: e.route.path, template: e.route.template } } : {}),
    ...(e.telemetryModule ? { telemetryModule: e.telemetryModule } : {}),
    ...(e.dependencyFiles ? { dependencyFiles: e.dependencyFiles } : {}),
    did: e.did ?? [],
  };
}

/**
 * --route (a template now, a concrete path once the route table maps it), else the route recorded for the
 * same app by a previous run.
 */
export function initialRoute(
  flagRoute: string | undefined,
  recorded: RouteChoice | undefined,
): RouteChoice | undefined {
  if (!flagRoute) return recorded;
  if (flagRoute.includes('{')) return routeFromFlag(flagRoute);
  return recorded?.path === flagRoute ? recorded : undefined;
}

export interface AnswersRecorder {
  /** The route recorded for the app by a previous run, when it is the same app. */
  readonly recordedRoute: RouteChoice | undefined;
  /** The record for a telemetry placement; `route` is what the run will request. */
  existing(
    placement: TelemetryPlacement,
    dependencyFiles: string[],
    did: string[],
    route: RouteChoice | undefined,
  ): ExistingAnswers;
  /** The answers file's text for a record. */
  text(existing: ExistingAnswers): string;
  /**
   * planChanges' callback: the answers file after `changes`, or the previous text unchanged when nothing
   * else changes and it records the same things.
   */
  afterChanges(
    changes: FileChange[],
    placement: TelemetryPlacement,
    dependencyFiles: string[],
    route: RouteChoice | undefined,
  ): string;
  /** The last record built by afterChanges, if planChanges asked for one. */
  readonly last: ExistingAnswers | undefined;
}

export function answersRecorder(
  report: AnalysedProject,
  options: ServiceOptions,
  serve: ServeTarget,
  serverCommand: string[],
): AnswersRecorder {
  const previous = previousAnswers(report);
  const prevExisting = previous?.existing;
  const appRef = `${serve.module}:${serve.attr}`;
  // What was written (the telemetry module's hash and text), so `upgrade` can merge the user's edits later.
  let fileRecord: Partial<FileRecord> = telemetryRecord(undefined, previous);
  let last: ExistingAnswers | undefined;

  const existing: AnswersRecorder['existing'] = (placement, dependencyFiles, did, route) => ({
    app: appRef,
    ...(serve.factory ? { factory: true } : {}),
    ...(serve.appDir ? { appDir: serve.appDir } : {}),
    serverCommand,
    ...(route ? { route } : {}),
    telemetryModule: placement.path,
    dependencyFiles,
    did,
  });
  const text = (e: ExistingAnswers) => tracedAnswersText(options, canonicalExisting(e), fileRecord);

  return {
    recordedRoute: prevExisting?.app === appRef ? prevExisting.route : undefined,
    existing,
    text,
    get last() {
      return last;
    },
    afterChanges(changes, placement, dependencyFiles, route) {
      const did =
        changes.length > 0
          ? changes.flatMap((c) => c.summary.map((s) => `${c.path}: ${s}`))
          : (prevExisting?.did ?? []);
      last = existing(placement, dependencyFiles, did, route);
      const telemetry = changes.find((c) => c.path === placement.path);
      if (telemetry) fileRecord = telemetryRecord(telemetry, undefined);
      const updated = text(last);
      const before = report.answers?.text;
      if (changes.length === 0 && before !== undefined && prevExisting && sameRecord(before, updated)) return before;
      return updated;
    },
  };
}

/** Equal apart from the CLI version that wrote them; a previous text that is not a JSON object is rewritten. */
function sameRecord(a: string, b: string): boolean {
  const [before, after] = [peekAnswers(a), peekAnswers(b)];
  const strip = (r: object) => JSON.stringify({ ...r, cliVersion: undefined });
  return before !== undefined && after !== undefined && strip(before) === strip(after);
}
