/**
 * Doctor's rules for FastAPI's own OpenTelemetry instrumentation (FastAPI >= 0.142 traces itself unless
 * `telemetry={"tracing": False}`): an app traced that way is instrumented; wrapped in the ASGI
 * OpenTelemetryMiddleware as well it is traced twice; with FastAPIInstrumentor as well, FastAPI stands aside.
 */
import { fastapiHasNativeTelemetry } from '../../../catalog/python-sets.js';
import type { Finding } from '../../../pipeline/findings.js';
import { at, type DiagnosisContext, type Located, type Rule } from './diagnose-context.js';

const SWITCH_OFF = 'FastAPI(..., telemetry={"tracing": False, "metrics": False})';

/** The FastAPI release the project pins exactly, when it traces itself and the app does not switch that off. */
export function tracesItself({ report, fw, app, ours, providers }: DiagnosisContext): string | undefined {
  // add-tracing's instrument_app() switches FastAPI's own off for the app it wires; without a provider built
  // in the code, FastAPI's own records nothing (it stays off while the global provider is the API's proxy).
  if (ours || fw.name !== 'fastapi' || !app || app.construction.telemetry?.tracingOff || providers.length === 0)
    return undefined;
  const pinned = report.dependencyFiles.flatMap((f) => f.requirements).find((r) => r.name === 'fastapi' && r.exact);
  return pinned?.exact && fastapiHasNativeTelemetry(pinned.exact) ? pinned.exact : undefined;
}

/** What wraps or instruments the selected app besides FastAPI itself. */
function wrappers(ctx: DiagnosisContext): Located[] {
  const target = ctx.app?.construction.target;
  return ctx.theirs.filter((r) => r.kind === 'asgiWrap' && (!target || !r.target || r.target === target));
}

const nativeTelemetry: Rule = (ctx) => {
  const version = tracesItself(ctx);
  if (!version) return [];
  const findings: Finding[] = [
    {
      code: 'native-telemetry',
      severity: 'info',
      message: `traced by FastAPI's own OpenTelemetry instrumentation (FastAPI ${version}, on unless telemetry={"tracing": False}): it records the server span and http.server.request.duration with the global providers, or those passed in telemetry=`,
      where: ctx.app!.id,
    },
  ];
  for (const w of wrappers(ctx)) {
    findings.push({
      code: 'traced-twice',
      severity: 'error',
      message: `OpenTelemetryMiddleware wraps the app from outside while FastAPI traces it too: every request gets two SERVER spans (the middleware's named by the concrete path) and two http.server.request.duration counts`,
      where: at(w.file, w.line),
      fix: `drop the wrapper (FastAPI's own instrumentation covers the app), or switch FastAPI's off: ${SWITCH_OFF}`,
    });
  }
  for (const call of ctx.instrumentCalls) {
    findings.push({
      code: 'two-instrumentations',
      severity: 'warning',
      message: `${ctx.fw.instrumentor}.instrument_app() and FastAPI's own instrumentation are both on: FastAPI stands aside only when it finds the instrumentor's middleware in its stack, i.e. when instrument_app() ran before the first request`,
      where: at(call.file, call.line),
      fix: `keep one: delete the instrument_app() call (FastAPI's own costs less per request), or switch FastAPI's off: ${SWITCH_OFF}`,
    });
  }
  return findings;
};

export const NATIVE_RULES: readonly Rule[] = [nativeTelemetry];
