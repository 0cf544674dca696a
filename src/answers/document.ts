/**
 * The answers file is the contract between a project and every later CLI: options, what was written
 * (hashes and base texts) and which migrations ran. `schemaVersion` says which shape a reader holds;
 * files from before it existed are schema 1 and are brought forward by the migrations.
 */
import type { ExistingAnswers } from './read.js';
import { withLegacyOptions } from './legacy-options.js';
import { recordFiles, type FileRecord } from './record.js';

export const ANSWERS_SCHEMA_VERSION = 2;

export interface AnswersDocument {
  schemaVersion: number;
  cliVersion: string;
  options: Record<string, unknown>;
  existing?: ExistingAnswers;
  /** Ids of the migrations applied to this project, oldest first. */
  migrations: string[];
  files?: FileRecord['files'];
  base?: FileRecord['base'];
}

export class AnswersShapeError extends Error {
  override name = 'AnswersShapeError';
}

export function parseAnswersDocument(text: string): AnswersDocument {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new AnswersShapeError(`is not valid JSON (${(error as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new AnswersShapeError('must hold a JSON object');
  const raw = data as Record<string, unknown>;
  if (typeof raw.options !== 'object' || raw.options === null) throw new AnswersShapeError('has no "options" object');
  const schemaVersion = typeof raw.schemaVersion === 'number' ? raw.schemaVersion : 1;
  if (schemaVersion > ANSWERS_SCHEMA_VERSION) {
    throw new AnswersShapeError(
      `was written by a newer create-traced-service (answers schema ${schemaVersion}, ` +
        `this CLI reads up to ${ANSWERS_SCHEMA_VERSION}); upgrade the CLI first`,
    );
  }
  return {
    schemaVersion,
    cliVersion: typeof raw.cliVersion === 'string' ? raw.cliVersion : 'unknown',
    options: withLegacyOptions(raw.options as Record<string, unknown>, raw.existing),
    ...(raw.existing ? { existing: raw.existing as ExistingAnswers } : {}),
    migrations: Array.isArray(raw.migrations) ? raw.migrations.filter((m): m is string => typeof m === 'string') : [],
    ...(raw.files && typeof raw.files === 'object' ? { files: raw.files as FileRecord['files'] } : {}),
    ...(raw.base && typeof raw.base === 'object' ? { base: raw.base as FileRecord['base'] } : {}),
  };
}

/** One key order, so an unchanged document is byte-identical. */
export function serializeAnswers(doc: AnswersDocument): string {
  const ordered = {
    schemaVersion: doc.schemaVersion,
    cliVersion: doc.cliVersion,
    options: doc.options,
    ...(doc.existing ? { existing: doc.existing } : {}),
    migrations: doc.migrations,
    ...(doc.files ? { files: doc.files } : {}),
    ...(doc.base ? { base: doc.base } : {}),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** The answers a new project starts with: every migration counts as applied (it is born at the latest shape). */
export function newAnswers(
  cliVersion: string,
  options: Record<string, unknown>,
  written: { path: string; content: string }[],
  migrations: string[],
  existing?: ExistingAnswers,
): AnswersDocument {
  return {
    schemaVersion: ANSWERS_SCHEMA_VERSION,
    cliVersion,
    options,
    ...(existing ? { existing } : {}),
    migrations,
    ...recordFiles(written),
  };
}
