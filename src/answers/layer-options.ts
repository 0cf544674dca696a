/**
 * One order of precedence for options, for every command that takes them: a flag beats the --config file,
 * which beats the project's answers file, which beats a default. Errors name a key's flag unless only the
 * config file gave it.
 */
import type { OptionSource } from '../options/schema.js';

export interface OptionLayers {
  /** Options given as flags. */
  flags: Record<string, unknown>;
  /** Options from --config (bare options, or the options of an answers file). */
  config?: Record<string, unknown>;
  /** Options the project's answers file recorded. */
  answers?: Record<string, unknown>;
  /** Values used when no layer gives one. */
  defaults?: Record<string, unknown>;
  /** Values that win over every layer, for what the project itself decides (e.g. its detected framework). */
  fixed?: Record<string, unknown>;
  /** Only these keys are kept (an answers file or a config file may carry more than options). */
  keys?: readonly string[];
}

export interface LayeredOptions {
  /** The options before the schema's parse. */
  raw: Record<string, unknown>;
  /** Where a key came from, for error messages. */
  sourceOf: (key: string) => OptionSource;
}

export function layerOptions(layers: OptionLayers): LayeredOptions {
  const { flags, config = {}, answers = {}, defaults = {}, fixed = {}, keys } = layers;
  const merged = { ...defaults, ...answers, ...config, ...flags, ...fixed };
  const raw = keys ? Object.fromEntries(Object.entries(merged).filter(([k]) => keys.includes(k))) : merged;
  return { raw, sourceOf: (key) => (key in flags || !(key in config) ? 'flag' : 'config') };
}
