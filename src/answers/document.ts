/**
 * The answers file is the contract between a project and every later CLI: options, what was written
 * (hashes and base texts) and which migrations ran. `schemaVersion` says which shape a reader holds;
 * files from before it existed are schema 1 and are brought forward by the migrations. Its shape is this
 * module's schema, and nothing outside src/answers/ parses or serializes it.
 */
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { cliVersion as ourVersion } from '../core/paths.js';
import { newerVersionMessage } from './bounds.js';
import { nestingDepth } from '../core/json-depth.js';
import { withLegacyOptions } from './legacy-options.js';
import { BASE_ENCODING, recordFiles, type FileRecord } from './record.js';

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

/** Nesting an answers file never needs (its deepest part is an option's list); deeper is refused unparsed. */
export const MAX_ANSWERS_DEPTH = 32;
/** What the recorded base texts may inflate to: a generated project's files are a few hundred KB. */
export const MAX_BASE_BYTES = 16 * 1024 * 1024;

/**
 * A path the CLI may read or write for the project: relative, inside it, no `.`/`..` segment, no control
 * character or backslash (what lands in a diff, a prompt or an import stays one plain line).
 */
export function isProjectPath(p: string): boolean {
  return (
    p.length > 0 &&
    p.length <= 1024 &&
    !/[\u0000-\u001f\u007f\\]/.test(p) &&
    !p.startsWith('/') &&
    p.split('/').every((part) => part !== '' && part !== '.' && part !== '..')
  );
}

/**
 * The document's schemas, built when a file is first parsed: writing an answers file (every scaffold) never
 * parses one, and building them is about 2 ms of a scaffold's start-up.
 */
let documentSchema: ReturnType<typeof buildDocumentSchema> | undefined;

const identifier = /^[\p{L}_][\p{L}\p{N}_]*$/u;
const isDotted = (m: string) => m.split('.').every((part) => identifier.test(part));

/** What add-tracing recorded: every value in it is rendered into code or run, so each is checked. */
function buildExistingSchema() {
  const projectPath = z.string().refine(isProjectPath, 'must be a relative path inside the project');
  /** Python's `module.sub:attr`, or the Node entry module's path: values that are rendered into code. */
  const appReference = z
    .string()
    .max(300)
    .refine((v) => {
      const [module = '', attr, ...rest] = v.split(':');
      if (attr !== undefined) return rest.length === 0 && isDotted(module) && identifier.test(attr);
      return isProjectPath(v) && /\.[cm]?[jt]sx?$/.test(v);
    }, 'must be a module:attribute of Python identifiers (or a Node entry module inside the project)');
  /** The telemetry module: a file whose folders (below appDir) and name are identifiers, so it imports as written. */
  const telemetryModule = projectPath.refine(
    (p) => /^[\p{L}_][\p{L}\p{N}_]*\.(py|mjs|cjs|js)$/u.test(p.split('/').pop()!),
    'must be a .py or .mjs file named by an identifier, inside the project',
  );
  const oneLine = z
    .string()
    .max(4096)
    .refine((v) => !/[\u0000\n\r]/.test(v), 'must be one line');

  return (
    z
      .object({
        app: appReference,
        factory: z.boolean().optional(),
        appDir: z.union([z.literal(''), projectPath]).optional(),
        serverCommand: z
          .array(
            z
              .string()
              .max(4096)
              .refine((v) => !v.includes('\u0000'), 'holds a NUL'),
          )
          .max(64),
        route: z
          .object({ path: oneLine.refine((v) => v.startsWith('/'), 'must start with /'), template: oneLine })
          .optional(),
        telemetryModule: telemetryModule.optional(),
        dependencyFiles: z.array(projectPath).max(64).optional(),
        did: z.array(z.string().max(4096)).max(1000).optional(),
      })
      // Keys a later schema adds are kept as written (a newer CLI's file is refused by its version already).
      .passthrough()
  );
}

/** The whole document: parts that carry nothing into a file fall back to "not recorded", the rest refuse. */
function buildDocumentSchema() {
  const existingSchema = buildExistingSchema();

  const filesSchema = z.record(z.string(), z.string().max(200)).superRefine((files, ctx) => {
    const key = Object.keys(files).find((p) => !isProjectPath(p));
    if (key !== undefined)
      ctx.addIssue({ code: 'custom', path: [key], message: 'must be a relative path inside the project' });
  });
  const baseSchema = z
    .object({ encoding: z.string().max(100), data: z.string() })
    .passthrough()
    .superRefine((base, ctx) => {
      if (base.encoding !== BASE_ENCODING) return;
      try {
        gunzipSync(Buffer.from(base.data, 'base64'), { maxOutputLength: MAX_BASE_BYTES });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError)
          ctx.addIssue({ code: 'custom', message: `inflates to more than ${MAX_BASE_BYTES / 1024 / 1024} MB` });
        // Any other damage: no base to merge against, as before (readBase gives an empty map).
      }
    });

  /**
   * Options and what tracing recorded are input like any other: each part is validated (paths inside the
   * project, module references as identifiers) and one that is wrong refuses the file. Only the schema
   * version and migrations, which carry no value into a file, fall back to "not recorded" when damaged.
   */
  return z
    .object({
      // Schema 1 files carry no version; nor does anything that is not a number.
      schemaVersion: z.number().catch(1),
      cliVersion: z.string().max(100).catch('unknown'),
      templates: z.string().max(200).optional().catch(undefined),
      options: jsonObject('has no "options" object'),
      // Kept as written (validated below): add-tracing reads it back, smoke and upgrade use what they need of it.
      existing: z.unknown().optional(),
      migrations: z
        .array(z.unknown())
        .catch([])
        .transform((ids) => ids.filter((m): m is string => typeof m === 'string')),
      files: jsonObject<FileRecord['files']>('"files" must be an object').optional(),
      base: jsonObject<FileRecord['base']>('"base" must be an object').optional(),
    })
    .superRefine((doc, ctx) => {
      const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
      if (doc.schemaVersion > ANSWERS_SCHEMA_VERSION)
        return fail(
          `was written by a newer create-traced-service (answers schema ${doc.schemaVersion}, ` +
            `this CLI reads up to ${ANSWERS_SCHEMA_VERSION}); upgrade the CLI first`,
        );
      const newer = newerVersionMessage(doc.cliVersion, ourVersion());
      if (newer) return fail(newer);
      const problem =
        (doc.existing !== undefined ? problemOf(existingSchema, doc.existing, 'existing') : undefined) ??
        (doc.files ? problemOf(filesSchema, doc.files, 'files') : undefined) ??
        (doc.base ? problemOf(baseSchema, doc.base, 'base') : undefined);
      if (problem) fail(problem);
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
}

/** The first problem of `value` under `schema`, as "key.path: message". */
function problemOf(schema: z.ZodTypeAny, value: unknown, key: string): string | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  const where = issue.path
    .map((p) =>
      typeof p === 'number'
        ? `[${p}]`
        : /^\w+$/.test(String(p))
          ? `.${String(p)}`
          : `.${JSON.stringify(p).slice(0, 80)}`,
    )
    .join('');
  return `${key}${where}: ${issue.message}`;
}

/** The text as a JSON object; the message (without the file's name) says what it is instead. */
export function answersRecord(text: string): Record<string, unknown> {
  if (nestingDepth(text) > MAX_ANSWERS_DEPTH)
    throw new AnswersShapeError(`nests deeper than ${MAX_ANSWERS_DEPTH} levels`);
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
  documentSchema ??= buildDocumentSchema();
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
