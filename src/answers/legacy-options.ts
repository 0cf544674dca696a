/**
 * Options an answers file could not record because they did not exist yet, given the value that
 * reproduces what the project got then. A current answers file records every option, so a missing
 * key always means "written before that option existed".
 */

/** The framework every answers file without one was generated for. */
const FIRST_DEFAULT_FRAMEWORK = 'fastapi';

/** What every project exported before `signals` existed (answers schema 1, CLI 0.1.0 at a2273e2). */
const FIRST_SIGNALS = ['traces'];

export function withLegacyOptions(
  options: Record<string, unknown>,
  existing: unknown = undefined,
): Record<string, unknown> {
  // Before --signals a telemetry module (generated or add-tracing's) exported traces only; today's default
  // would record metrics and logs the project's code does not export, and its smoke test would fail.
  const withSignals = 'signals' in options ? options : { ...options, signals: FIRST_SIGNALS };
  // add-tracing'd projects were never rendered from templates: nothing to reproduce.
  if (existing !== undefined || 'examples' in withSignals) return withSignals;
  // FastAPI projects always had the worked examples, before they became opt-in.
  return { ...withSignals, examples: (withSignals.framework ?? FIRST_DEFAULT_FRAMEWORK) === 'fastapi' };
}
