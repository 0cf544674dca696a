/**
 * The answers file on disk: where it is, its text, its document, and the texts the tool writes into it
 * (for a generated project and for a service add-tracing wired). Every other layer goes through here.
 */
import path from 'node:path';
import { ANSWERS_FILE, cliVersion, templatesFingerprint } from '../core/paths.js';
import { readTextIfExists, readTextIfExistsSync, type ReadOptions } from '../core/read-file.js';
import {
  ANSWERS_SCHEMA_VERSION,
  newAnswers,
  parseAnswersText,
  peekAnswers,
  serializeAnswers,
  type AnswersDocument,
  type ExistingAnswers,
} from './document.js';
import { MIGRATION_IDS } from './migrations.js';
import { newerVersionMessage } from './bounds.js';
import { UsageError } from '../core/errors.js';
import type { FileRecord } from './record.js';

export function answersPath(dir: string): string {
  return path.join(dir, ANSWERS_FILE);
}

/** An answers file holds options, hashes and one compressed base: far below this. */
export const MAX_ANSWERS_BYTES = 4 * 1024 * 1024;
const READ: ReadOptions = { maxBytes: MAX_ANSWERS_BYTES };

/**
 * The file's text, or undefined when there is none; one that is not a regular UTF-8 file within the bound
 * is refused (UnreadableFileError, one line naming it).
 */
export async function readAnswersText(dir: string): Promise<string | undefined> {
  return fromThisVersion(dir, await readTextIfExists(answersPath(dir), READ));
}

export function readAnswersTextSync(dir: string): string | undefined {
  return fromThisVersion(dir, readTextIfExistsSync(answersPath(dir), READ));
}

/** A file a newer CLI wrote may mean things this one does not know: refused by every command, damaged or not. */
function fromThisVersion(dir: string, text: string | undefined): string | undefined {
  const written = peekAnswers(text)?.cliVersion;
  const newer = typeof written === 'string' ? newerVersionMessage(written, cliVersion()) : undefined;
  if (newer) throw new UsageError(`${answersPath(dir)} ${newer}`);
  return text;
}

/**
 * The project's answers: undefined when it has none; AnswersShapeError (one line, without the file's name)
 * when it has one this CLI cannot read.
 */
export function readAnswersFile(dir: string): { path: string; text: string; doc: AnswersDocument } | undefined {
  const text = readAnswersTextSync(dir);
  if (text === undefined) return undefined;
  return { path: answersPath(dir), text, doc: parseAnswersText(text) };
}

/** A generated project's answers: its options and every file written (the answers file itself aside). */
export function generatedAnswersText(
  options: Record<string, unknown>,
  written: { path: string; content: string }[],
): string {
  return serializeAnswers({
    ...newAnswers(cliVersion(), options, written, MIGRATION_IDS),
    templates: templatesFingerprint(),
  });
}

/** add-tracing's answers: the options, what was wired, and the record of the module it wrote (if any). */
export function tracedAnswersText(
  options: Record<string, unknown>,
  existing: ExistingAnswers,
  record: Partial<FileRecord> = {},
): string {
  return serializeAnswers({
    schemaVersion: ANSWERS_SCHEMA_VERSION,
    cliVersion: cliVersion(),
    templates: templatesFingerprint(),
    options,
    existing,
    migrations: MIGRATION_IDS,
    ...record,
  });
}
