/**
 * The edit FastAPI's own instrumentation needs (FastAPI >= 0.142, see wiring-versions.ts): FastAPI takes
 * its providers only in the construction's `telemetry=` argument (it has no public way to set them on an
 * app afterwards), so the FastAPI(...) call gets `telemetry=otel_telemetry.fastapi_telemetry()`, or its
 * own telemetry= value is passed through fastapi_telemetry(...), which keeps the app's settings.
 */
import { UsageError } from '../../../core/errors.js';
import { TELEMETRY_BINDING } from './frameworks.js';
import { byteColToIndex, type Insertion } from './source-text.js';
import type { AppCandidate } from './types.js';

/** The function of the telemetry module that builds FastAPI's telemetry= settings. */
export const FASTAPI_TELEMETRY_FUNCTION = 'fastapi_telemetry';

/** True when a telemetry module add-tracing wrote wires FastAPI's own instrumentation. */
export function wiresNativeTelemetry(telemetryModule: string): boolean {
  return telemetryModule.includes(`def ${FASTAPI_TELEMETRY_FUNCTION}(`);
}

/**
 * The insertions that hand the app's construction the telemetry module's settings; none when it has them
 * already. A call passing `**mapping` without telemetry= is refused: the mapping may hold telemetry= too.
 */
export function telemetryArgument(
  app: AppCandidate,
  lines: readonly string[],
): { insertions: Insertion[]; lineAfter?: { index: number; text: string }; summary: string[] } {
  const c = app.construction;
  const call = `${TELEMETRY_BINDING}.${FASTAPI_TELEMETRY_FUNCTION}`;
  const own = c.telemetry;
  if (own?.ours) return { insertions: [], summary: [] };
  if (own?.value) {
    const off = own.tracingOff ? '; it switched tracing off, which add-tracing turns on' : '';
    return {
      insertions: [
        { line: own.value.line, col: own.value.col, text: `${call}(` },
        { line: own.value.endLine, col: own.value.endCol, text: ')' },
      ],
      summary: [
        `keeps the app's own telemetry= settings (line ${own.line}), passed through ${call}(), which sets the providers, tracing, metrics and auto_configure and adds EXCLUDED_URLS to its exclude hook${off}`,
      ],
    };
  }
  if (c.call.splat)
    throw new UsageError(
      `${app.file.path}:${c.call.line} passes **${c.call.splat} to ${c.constructor}(), which may hold telemetry= already; ` +
        `pass telemetry= by name in that call (add-tracing then keeps it) — nothing was changed`,
    );
  const slot = c.call.argsEnd;
  const summaryLine = `passes telemetry=${call}() to ${c.constructor}() (line ${c.call.line}): FastAPI's own instrumentation with the module's providers`;
  if (slot && slot.line > c.call.line && c.call.endLine > slot.line) {
    return { ...ownLine(lines, slot, c.call.line, `telemetry=${call}()`), summary: [summaryLine] };
  }
  const insertion = slot
    ? { line: slot.line, col: slot.col, text: `, telemetry=${call}()` }
    : { line: c.call.endLine, col: c.call.endCol - 1, text: `telemetry=${call}()` };
  return {
    insertions: [insertion],
    summary: [summaryLine],
  };
}

/**
 * A call with one argument per line gets the keyword on a line of its own after the last argument (and its
 * comment), indented as the first argument is; a trailing comma is kept in the same style, a missing one
 * is added after the last argument.
 */
function ownLine(
  lines: readonly string[],
  slot: { line: number; col: number },
  callLine: number,
  argument: string,
): { lineAfter: { index: number; text: string }; insertions: Insertion[] } {
  const indent = /^[ \t]*/.exec(lines[callLine] ?? '')![0];
  const rest = lines[slot.line - 1]!.slice(byteColToIndex(lines[slot.line - 1]!, slot.col));
  const trailingComma = /^\s*,/.test(rest);
  return {
    lineAfter: { index: slot.line, text: `${indent}${argument}${trailingComma ? ',' : ''}` },
    insertions: trailingComma ? [] : [{ line: slot.line, col: slot.col, text: ',' }],
  };
}

/**
 * An app add-tracing gave telemetry=fastapi_telemetry() cannot move back to FastAPIInstrumentor (an older
 * FastAPI) by regenerating the module alone: the call would name a function the module no longer has.
 */
export function refuseLostTelemetryArgument(app: AppCandidate): void {
  const own = app.construction.telemetry;
  if (!own?.ours) return;
  throw new UsageError(
    `${app.file.path}:${own.line} passes telemetry=${TELEMETRY_BINDING}.${FASTAPI_TELEMETRY_FUNCTION}(), but the project's FastAPI is older than 0.142 ` +
      'and is wired with FastAPIInstrumentor: remove that argument (keep what it wraps) and run add-tracing again — nothing was changed',
  );
}
