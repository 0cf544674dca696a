/** `create --force` on an existing project: which files it would overwrite that the user edited. */
import path from 'node:path';
import { ANSWERS_FILE } from '../core/paths.js';
import { AnswersShapeError } from '../answers/document.js';
import { readAnswersFile } from '../answers/file.js';
import { contentHash } from '../answers/record.js';
import { readTextSync } from '../core/read-file.js';

/**
 * Of `overwritten` (paths whose content differs from the new plan), those not holding what the tool recorded
 * writing; with no usable record every one counts as edited. Undefined: the directory has no answers file.
 */
export function editedSinceGenerated(target: string, overwritten: string[]): string[] | undefined {
  let files: Record<string, string> = {};
  try {
    const answers = readAnswersFile(target);
    if (!answers) return undefined;
    files = answers.doc.files ?? {};
  } catch (error) {
    if (!(error instanceof AnswersShapeError)) throw error;
  }
  return overwritten.filter(
    (p) => p !== ANSWERS_FILE && files[p] !== contentHash(readTextSync(path.join(target, p), { label: p })),
  );
}
