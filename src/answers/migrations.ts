/**
 * Changes of meaning between versions, as named steps. Each runs at most once per project: its id is
 * recorded in the answers file's `migrations` when it has run (a new project records them all).
 */
import { ANSWERS_FILE } from '../core/paths.js';
import { ANSWERS_SCHEMA_VERSION, type AnswersDocument } from './document.js';
import { recordFiles } from './record.js';

export interface MigrationContext {
  /** This CLI's version. */
  cliVersion: string;
  /** The fingerprint of this CLI's templates. */
  templates: string;
  /** The files this CLI renders from the recorded options (without the answers file); undefined if it cannot. */
  renderRecorded: () => { path: string; content: string }[] | undefined;
  /** What the commit that first added the answers file holds, when the project's git history has one. */
  history?: { commit: string; files: { path: string; content: string }[] };
}

export interface Migration {
  id: string;
  summary: string;
  /** Returns the migrated document and what to tell the user. */
  run(doc: AnswersDocument, ctx: MigrationContext): { doc: AnswersDocument; notes: string[] };
}

const answersSchema2Id = 'answers-schema-2';

/** Whether an upgrade has to look for a base elsewhere: the answers file predates the records (schema 1). */
export function recordsNoBase(doc: AnswersDocument): boolean {
  return doc.files === undefined && !doc.migrations.includes(answersSchema2Id);
}

/**
 * Answers schema 1 (options only) to 2 (schema version, file hashes and base texts). The base is, in order:
 * what the commit that first added the answers file holds; the templates that rendered the project, when
 * they are this CLI's own (same fingerprint: a version number alone stood for many template states before
 * releases were cut); else none, and the upgrade merges two ways, marking every difference.
 */
const answersSchema2: Migration = {
  id: answersSchema2Id,
  summary: 'answers file schema 1 → 2: per-file hashes and the base render recorded',
  run(doc, ctx) {
    const migrated = { ...doc, schemaVersion: ANSWERS_SCHEMA_VERSION };
    if (doc.files) return { doc: migrated, notes: [] };
    const noBase = `the answers file (create-traced-service ${doc.cliVersion}) recorded no base`;
    if (ctx.history && ctx.history.files.length > 0) {
      return {
        doc: { ...migrated, ...recordFiles(ctx.history.files) },
        notes: [
          `${noBase}; it was recovered from your git history: commit ${ctx.history.commit.slice(0, 7)} first ` +
            `added ${ANSWERS_FILE}, with the files as generated (edits made before that commit count as generated)`,
        ],
      };
    }
    const rendered = doc.templates === ctx.templates ? ctx.renderRecorded() : undefined;
    if (rendered) {
      return {
        doc: { ...migrated, ...recordFiles(rendered) },
        notes: [`${noBase}; this CLI rendered it again with the same templates (fingerprint ${doc.templates})`],
      };
    }
    return {
      doc: migrated,
      notes: [
        `${noBase}, no commit in the project's git history adds ${ANSWERS_FILE}, and the templates of ` +
          `create-traced-service ${doc.cliVersion} are not shipped with this CLI (${ctx.cliVersion}): with no base, ` +
          'every difference from the new render is shown as a conflict (a two-way merge) and no file counts as ' +
          'deleted by you; keep what you want between the markers',
      ],
    };
  },
};

/**
 * The worked examples became opt-in (`examples`). Reading an answers file that predates the option already
 * gives a FastAPI project `examples: true` (legacy-options.ts), so its examples are neither deleted nor
 * unmounted; this step only says so and records the option.
 */
const examplesOptIn: Migration = {
  id: 'examples-opt-in',
  summary: 'worked examples are opt-in (--examples); a project that had them keeps them',
  run(doc) {
    const kept = doc.options.examples === true && !doc.existing;
    return {
      doc,
      notes: kept
        ? ['the worked examples (app/examples.py) are kept: the answers file now records "examples": true']
        : [],
    };
  },
};

export const MIGRATIONS: readonly Migration[] = [answersSchema2, examplesOptIn];
export const MIGRATION_IDS: string[] = MIGRATIONS.map((m) => m.id);

export interface MigrationRun {
  doc: AnswersDocument;
  applied: { id: string; summary: string }[];
  notes: string[];
}

export function runMigrations(
  doc: AnswersDocument,
  ctx: MigrationContext,
  migrations: readonly Migration[] = MIGRATIONS,
): MigrationRun {
  let current = doc;
  const applied: MigrationRun['applied'] = [];
  const notes: string[] = [];
  for (const m of migrations) {
    if (current.migrations.includes(m.id)) continue;
    const out = m.run(current, ctx);
    current = { ...out.doc, migrations: [...out.doc.migrations, m.id] };
    applied.push({ id: m.id, summary: m.summary });
    notes.push(...out.notes);
  }
  return { doc: current, applied, notes };
}
