/**
 * Changes of meaning between versions, as named steps. Each runs at most once per project: its id is
 * recorded in the answers file's `migrations` when it has run (a new project records them all).
 */
import { ANSWERS_SCHEMA_VERSION, type AnswersDocument } from './document.js';
import { recordFiles } from './record.js';

export interface MigrationContext {
  /** This CLI's version. */
  cliVersion: string;
  /** The files this CLI renders from the recorded options (without the answers file); undefined if it cannot. */
  renderRecorded: () => { path: string; content: string }[] | undefined;
}

export interface Migration {
  id: string;
  summary: string;
  /** Returns the migrated document and what to tell the user. */
  run(doc: AnswersDocument, ctx: MigrationContext): { doc: AnswersDocument; notes: string[] };
}

/**
 * Answers schema 1 (options only) to 2 (schema version, file hashes and base texts). The base can be
 * rebuilt exactly only when the recorded CLI version is this one (same templates); otherwise files that
 * differ from the new render are not merged, and said so.
 */
const answersSchema2: Migration = {
  id: 'answers-schema-2',
  summary: 'answers file schema 1 → 2: per-file hashes and the base render recorded',
  run(doc, ctx) {
    if (doc.files) return { doc: { ...doc, schemaVersion: ANSWERS_SCHEMA_VERSION }, notes: [] };
    if (doc.cliVersion === ctx.cliVersion) {
      const rendered = ctx.renderRecorded();
      if (rendered) {
        return {
          doc: { ...doc, schemaVersion: ANSWERS_SCHEMA_VERSION, ...recordFiles(rendered) },
          notes: [
            `the answers file recorded no base; create-traced-service ${doc.cliVersion} (this version) ` +
              'rendered it again from the recorded options',
          ],
        };
      }
    }
    return {
      doc: { ...doc, schemaVersion: ANSWERS_SCHEMA_VERSION },
      notes: [
        `the answers file was written by create-traced-service ${doc.cliVersion}, which recorded no base: ` +
          'files that differ from the new render cannot be merged and are kept as they are ' +
          '(marked "not merged: no base recorded"); compare them with the upgrade\'s render yourself',
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
