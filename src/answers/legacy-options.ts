/**
 * Options an answers file could not record because they did not exist yet, given the value that
 * reproduces what the project got then. A current answers file records every option, so a missing
 * key always means "written before that option existed".
 */

/** The framework every answers file without one was generated for. */
const FIRST_DEFAULT_FRAMEWORK = 'fastapi';

export function withLegacyOptions(
  options: Record<string, unknown>,
  existing: unknown = undefined,
): Record<string, unknown> {
  // add-tracing'd projects were never rendered from templates: nothing to reproduce.
  if (existing !== undefined || 'examples' in options) return options;
  // FastAPI projects always had the worked examples, before they became opt-in.
  return { ...options, examples: (options.framework ?? FIRST_DEFAULT_FRAMEWORK) === 'fastapi' };
}
