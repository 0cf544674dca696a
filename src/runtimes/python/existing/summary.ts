/** A ProjectReport as add-tracing and doctor print it with --json. */
import { describeTarget } from './candidates.js';
import type { ProjectReport } from './types.js';

/** The parts of a ProjectReport worth printing as JSON (the analyzer's raw output stays out). */
export function summarizeReport(report: ProjectReport) {
  return {
    root: report.root,
    python: report.python,
    framework: report.framework,
    projectName: report.projectName,
    app: report.selected
      ? {
          id: report.selected.id,
          target: report.selected.construction.target,
          factoryFunction: report.selected.construction.function,
          lifespan: report.selected.construction.lifespan?.source ?? null,
          eventHandlers: report.selected.eventHandlers.map((h) => ({
            event: h.event,
            function: h.function,
            line: h.line,
          })),
          instrumented: report.selected.instrumented,
          serve: report.selectedServe,
        }
      : null,
    candidates: report.candidates.map((c) => ({
      id: c.id,
      serve: c.serve.map(describeTarget),
      mountedIn: c.mountedIn ?? null,
    })),
    ambiguity: report.ambiguity ?? null,
    dependencyFiles: report.dependencyFiles.map((f) => ({ path: f.path, kind: f.kind, error: f.error ?? null })),
    startCommands: report.startCommands,
    syntaxErrors: report.syntaxErrors,
    telemetryModule: report.telemetryModule ?? null,
  };
}
