/**
 * Reads a --config file: bare options, or an answers file ({ cliVersion, options }) from a previous run.
 * Bounded before parsing (size, nesting depth), and an answers file from another CLI version says so.
 */
import { UsageError } from '../core/errors.js';
import { readText, UnreadableFileError } from '../core/read-file.js';
import {
  formatIssue,
  OptionsError,
  parseServiceOptions,
  serviceOptionsSchema,
  type OptionSource,
  type ServiceOptions,
} from '../options/schema.js';
import { quoteValue } from '../options/values.js';
import { cliVersion } from '../core/paths.js';
import { withLegacyOptions } from './legacy-options.js';
import { compareVersions, newerVersionMessage, parseVersion } from './bounds.js';
import { nestingDepth } from '../core/json-depth.js';

const MAX_BYTES = 256 * 1024;
const MAX_DEPTH = 20;

async function readBounded(file: string): Promise<string> {
  try {
    return await readText(file, { maxBytes: MAX_BYTES, label: file });
  } catch (error) {
    if (error instanceof UnreadableFileError) {
      if (error.reason.startsWith('is larger'))
        throw new UsageError(
          `--config: ${file} is larger than ${MAX_BYTES / 1024} KB; an options file is a few hundred bytes`,
        );
      throw new UsageError(`--config: ${error.message}`);
    }
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`--config: cannot read ${file} (${reason})`);
  }
}

/**
 * An answers file's options, checked against its version: one from a newer CLI is refused (it may mean
 * things this one does not know), one from an older CLI is used only if its options still parse.
 */
export function answersOptions(
  label: string,
  file: string,
  record: Record<string, unknown>,
  note: (message: string) => void,
): Record<string, unknown> {
  const written = record.cliVersion;
  const ours = cliVersion();
  const version = typeof written === 'string' ? parseVersion(written) : undefined;
  if (!version) {
    throw new UsageError(`${label}${file}: cliVersion must be a version such as ${ours}, got ${quoteValue(written)}`);
  }
  const options = withLegacyOptions(record.options as Record<string, unknown>, record.existing);
  const newer = newerVersionMessage(written as string, ours);
  if (newer) throw new UsageError(`${label}${file} ${newer}`);
  const order = compareVersions(version, parseVersion(ours) ?? [0, 0, 0]);
  if (order < 0) {
    const parsed = serviceOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = formatIssue(parsed.error.issues[0]!, () => 'config');
      throw new UsageError(
        `${label}${file} was written by create-traced-service ${written} (this is ${ours}): ${issue}`,
      );
    }
    note(
      `${file} was written by create-traced-service ${written}; its options were checked against this version (${ours})`,
    );
  }
  return options;
}

export async function readConfigFile(
  file: string,
  note: (message: string) => void = () => {},
): Promise<Record<string, unknown>> {
  const text = await readBounded(file);
  if (nestingDepth(text) > MAX_DEPTH) throw new UsageError(`--config: ${file} nests deeper than ${MAX_DEPTH} levels`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config: ${file} is not valid JSON (${(error as Error).message.slice(0, 120)})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UsageError(`--config: ${file} must hold a JSON object`);
  }
  const record = data as Record<string, unknown>;
  if ('options' in record && typeof record.options === 'object' && record.options !== null) {
    return answersOptions('--config: ', file, record, note);
  }
  return record;
}

/** Options from flags, a config file or an answers file; a bad value is a usage error naming its flag or key. */
export function parseOptionsOrThrow(
  raw: Record<string, unknown>,
  sourceOf?: (key: string) => OptionSource,
): ServiceOptions {
  try {
    return parseServiceOptions(raw, sourceOf);
  } catch (error) {
    if (error instanceof OptionsError) throw new UsageError(error.message);
    throw error;
  }
}
