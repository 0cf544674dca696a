/**
 * What every doctor rule for a Python project reads (DiagnosisContext: the report, the app, the set-up
 * found in its code) and how rules name a place or a piece of set-up in their messages.
 */
import type { Finding } from '../../../pipeline/findings.js';
import type { DetectionInfo } from './frameworks.js';
import type { AnalyzedFile, AppCandidate, OtelRecord, ProjectReport } from './types.js';

/** file:line, or the file alone when the line is unknown. */
export const at = (file: { path: string }, line: number | null | undefined) =>
  line ? `${file.path}:${line}` : file.path;

export type Located = OtelRecord & { file: AnalyzedFile };

export interface DiagnosisContext {
  report: ProjectReport & { texts?: Record<string, string> };
  fw: DetectionInfo;
  /** "FastAPI()": how the app's construction reads in messages. */
  ctor: string;
  app?: AppCandidate;
  /** add-tracing's own wiring is in place for the app. */
  ours: boolean;
  /** OpenTelemetry set-up found in the code that is not add-tracing's. */
  theirs: Located[];
  /** The framework's instrumentor called on an app object (instrument_app). */
  instrumentCalls: (Located & { kind: 'instrumentApp' })[];
  /** The framework's instrumentor called globally (instrument()). */
  instrumentors: Located[];
  providers: Located[];
}

export type Rule = (ctx: DiagnosisContext) => Finding[];

/** How a piece of set-up found in the code reads in a message. */
export function describeRecord(r: Located): string {
  switch (r.kind) {
    case 'provider':
      return 'a TracerProvider built here';
    case 'processor':
      return `${r.processor}(${r.exporter ?? ''})`;
    case 'setProvider':
      return 'trace.set_tracer_provider()';
    case 'instrumentApp':
    case 'ourInstrument':
      return `${r.instrumentor ?? 'the instrumentor'}.instrument_app()`;
    case 'instrumentGlobal':
      return `${r.instrumentor}().instrument()`;
    case 'asgiWrap':
      return `OpenTelemetryMiddleware(${r.target ?? ''})`;
    case 'flush':
      return `${r.receiver}.${r.method}()`;
    case 'meterProvider':
      return 'a MeterProvider built here';
    case 'loggerProvider':
      return 'a LoggerProvider built here';
    case 'simpleLogProcessor':
      return 'SimpleLogRecordProcessor()';
  }
}
