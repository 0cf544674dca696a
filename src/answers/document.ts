/**
 * The answers file is the contract between a project and every later CLI: options, what was written
 * (hashes and base texts) and which migrations ran. `schemaVersion` says which shape a reader holds;
 * files from before it existed are schema 1 and are brought forward by the migrations. Its shape is this
 * module's schema, and nothing outside src/answers/ parses or serializes it.
 */
import { z } from 'zod';
import { withLegacyOptions } from './legacy-options.js';
import { recordFiles, type FileRecord } from './record.js';

export const ANSWERS_SCHEMA_VERSION = 2;

/** Written by add-tracing: how to start and probe a service that was not generated, and what was done to it. */
export interface ExistingAnswers {
  /** module:attr of the app (or of its factory). */
  app: string;
  factory?: boolean;
  /** Directory the module is imported from, relative to the project ('' or absent = the root). */
  appDir?: string;
  /** argv that starts it for the smoke test, with `{port}` where the port goes. */
  serverCommand: string[];
  /** The GET route the smoke test requests; absent until one was picked from the app's route table. */
  route?: { path: string; template: string };
  /** The telemetry module add-tracing wrote, relative to the project. */
  telemetryModule?: string;
  /** Dependency files holding the matched set (the first is installed by the smoke test). */
  dependencyFiles?: string[];
  /** One line per change add-tracing made. */
  did?: string[];
}

export interface AnswersDocument {
  schemaVersion: number;
  cliVersion: string;
  /** Fingerprint of the templates that rendered the project (absent before 0.2.0). */
  templates?: string;
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

/**
 * A JSON object, kept as the very object parsed: its key order is what gets written back, and a key such as
 * `__proto__` stays an own key instead of being copied onto a prototype.
 */
const jsonObject = <T = Record<string, unknown>>(message?: string) =>
  z.custom<T>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), message ? { message } : undefined);

/** What a reader needs beyond the options is forgiven when damaged: each such part falls back to "not recorded". */
const documentSchema = z
  .object({
    // Schema 1 files carry no version; nor does anything that is not a number.
    schemaVersion: z.number().catch(1),
    cliVersion: z.string().catch('unknown'),
    templates: z.string().optional().catch(undefined),
    options: jsonObject('has no "options" object'),
    // Kept as written: add-tracing reads it back, smoke and upgrade use what they need of it.
    existing: z.unknown().optional(),
    migrations: z
      .array(z.unknown())
      .catch([])
      .transform((ids) => ids.filter((m): m is string => typeof m === 'string')),
    files: jsonObject<FileRecord['files']>().optional().catch(undefined),
    base: jsonObject<FileRecord['base']>().optional().catch(undefined),
  })
  .superRefine((doc, ctx) => {
    if (doc.schemaVersion > ANSWERS_SCHEMA_VERSION)
      ctx.addIssue({
        code: 'custom',
        message:
          `was written by a newer create-traced-service (answers schema ${doc.schemaVersion}, ` +
          `this CLI reads up to ${ANSWERS_SCHEMA_VERSION}); upgrade the CLI first`,
      });
  })
  .transform(
    (raw): AnswersDocument => ({
      schemaVersion: raw.schemaVersion,
      cliVersion: raw.cliVersion,
      ...(raw.templates ? { templates: raw.templates } : {}),
      // Options that did not exist when the file was written get the value that reproduces that project.
      options: withLegacyOptions(raw.options, raw.existing),
      ...(raw.existing ? { existing: raw.existing as ExistingAnswers } : {}),
      migrations: raw.migrations,
      ...(raw.files ? { files: raw.files } : {}),
      ...(raw.base ? { base: raw.base } : {}),
    }),
  );

/** The text as a JSON object; the message (without the file's name) says what it is instead. */
export function answersRecord(text: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new AnswersShapeError(`is not valid JSON (${(error as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new AnswersShapeError('must hold a JSON object');
  return data as Record<string, unknown>;
}

/** A parsed answers object as a document of this CLI's schema, or one line saying what is wrong with it. */
export function answersDocument(record: Record<string, unknown>): AnswersDocument {
  const parsed = documentSchema.safeParse(record);
  if (!parsed.success) throw new AnswersShapeError(parsed.error.issues[0]!.message);
  return parsed.data;
}

export function parseAnswersText(text: string): AnswersDocument {
  return answersDocument(answersRecord(text));
}

/** What a previous add-tracing run recorded, as read: nothing is checked, any part may be missing or damaged. */
export interface RecordedAnswers {
  options?: Record<string, unknown>;
  existing?: ExistingAnswers;
  cliVersion?: string;
  files?: unknown;
  base?: unknown;
}

/**
 * The recorded answers when the text is a JSON object, else undefined: add-tracing runs again over a damaged
 * file (and rewrites it) instead of refusing, taking from it only what it can.
 */
export function peekAnswers(text: string | undefined): RecordedAnswers | undefined {
  if (text === undefined) return undefined;
  try {
    return answersRecord(text) as RecordedAnswers;
  } catch {
    return undefined;
  }
}

/** One key order, so an unchanged document is byte-identical. */
export function serializeAnswers(doc: AnswersDocument): string {
  const ordered = {
    schemaVersion: doc.schemaVersion,
    cliVersion: doc.cliVersion,
    ...(doc.templates ? { templates: doc.templates } : {}),
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
