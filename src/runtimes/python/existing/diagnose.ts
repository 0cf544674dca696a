/**
 * diagnose(report) -> findings: what is already there and wrong, in the guide's terms. Pure; `doctor`
 * prints the findings alone (exit 1 when any is an error) and add-tracing prints them before its diff.
 */
import type { Finding } from '../../../pipeline/findings.js';
import type { DiagnosisContext, Located } from './diagnose-context.js';
import { rulesFor } from './diagnose-rules.js';
import { DETECTION, type DetectionInfo } from './frameworks.js';
import type { ProjectReport } from './types.js';

/** How to make a dependency file this tool cannot read (not UTF-8) readable. */
export const TO_UTF8 = 'convert it to UTF-8 (iconv -f UTF-16 -t UTF-8 for a UTF-16 file)';

/** One report per run: syntax errors, then whether there is a supported app at all, then the rules. */
export function diagnose(report: ProjectReport & { texts?: Record<string, string> }): Finding[] {
  const findings: Finding[] = report.syntaxErrors.map((e) => ({
    code: 'syntax-error',
    severity: 'error',
    message: `cannot parse: ${e.message}`,
    where: `${e.path}${e.line ? `:${e.line}` : ''}`,
    fix: 'fix the syntax error; nothing can be analysed or changed in this file until then',
  }));
  for (const u of report.unreadableDependencyFiles ?? []) {
    findings.push({
      code: 'unreadable-dependency-file',
      severity: 'error',
      message: `cannot read ${u.path} (${u.reason}): its requirements were not checked, and add-tracing cannot edit it`,
      where: u.path,
      fix: TO_UTF8,
    });
  }
  const framework = report.framework ? DETECTION.find((d) => d.name === report.framework!.name) : undefined;
  if (framework && !framework.supported) {
    const supported = DETECTION.filter((d) => d.supported)
      .map((d) => d.displayName)
      .join(', ');
    findings.push({
      code: 'unsupported-framework',
      severity: 'error',
      message: `${framework.displayName} detected (${report.framework!.evidence[0]}); add-tracing and doctor support ${supported} so far`,
    });
    return findings;
  }
  const fw = framework ?? DETECTION[0]!;
  const constructorName = fw.constructors[0]?.[1] ?? fw.displayName;
  if (report.candidates.length === 0) {
    findings.push({
      code: 'no-app',
      severity: 'error',
      message:
        (report.framework
          ? `${fw.displayName} is a dependency (${report.framework.evidence[0]}) but no ${constructorName}(...) construction was found in the code`
          : 'no app found: no dependency file names a supported framework and no module constructs one') +
        unreadNote(report),
      fix: "run it in the service's directory (an app built from the project's own subclass of the framework's class is not recognised)",
    });
    return findings;
  }
  const ctx = diagnosisContext(report, fw, `${constructorName}()`);
  for (const rule of rulesFor(ctx)) findings.push(...rule(ctx));
  return findings;
}

function diagnosisContext(
  report: ProjectReport & { texts?: Record<string, string> },
  fw: DetectionInfo,
  ctor: string,
): DiagnosisContext {
  const app = report.selected;
  const records: Located[] = report.files.flatMap((file) => (file.otel ?? []).map((o) => ({ ...o, file })));
  const theirs = records.filter((r) => r.kind !== 'ourInstrument' && !(r.file.path === report.telemetryModule?.path));
  return {
    report,
    fw,
    ctor,
    ...(app ? { app } : {}),
    ours: Boolean(app && app.instrumented && app.file.ourImport),
    theirs,
    instrumentCalls: theirs.filter(
      (r): r is Located & { kind: 'instrumentApp' } =>
        r.kind === 'instrumentApp' && (r.instrumentor ?? '') === fw.instrumentor,
    ),
    instrumentors: theirs.filter((r) => r.kind === 'instrumentGlobal' && r.instrumentor === fw.instrumentor),
    providers: theirs.filter((r) => r.kind === 'provider'),
  };
}

/** "; not parsed: big.py (larger than 2 MB), ..." when files were left out, so "no app" is never a silent guess. */
export function unreadNote(report: Pick<ProjectReport, 'unread'>): string {
  if (report.unread.length === 0) return '';
  const named = report.unread.slice(0, 3).map((u) => `${u.path} (${u.reason})`);
  return `; not parsed: ${named.join(', ')}${report.unread.length > 3 ? ` and ${report.unread.length - 3} more` : ''}`;
}
