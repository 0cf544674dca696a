/**
 * What an upgrade does to each file the tool owns, decided from four texts: the recorded base (what the
 * tool wrote then), the user's file now, the new render, and (for dependency files) a pin retargeting
 * applied to base and user's file alike, so version bumps never show up as conflicts. Pure.
 */
import { merge2, merge3, type MergeLabels } from './merge.js';
import { contentHash } from '../answers/record.js';

/** One pinned requirement moved to another version, in one dependency file. */
export interface PinChange {
  file: string;
  name: string;
  from: string;
  to: string;
}

/** A dependency file's text with its pins moved, and what moved. */
export interface Retargeted {
  text: string;
  changes: PinChange[];
}

export type FileAction =
  /** Nothing to write: the user's file already is the result. */
  | 'unchanged'
  /** New in this template version; written. */
  | 'create'
  /** Never edited by the user; replaced by the new render. */
  | 'replace'
  /** Edited by the user; merged cleanly. */
  | 'merge'
  /** Edited by the user where the template changed too: written with conflict markers. */
  | 'conflict'
  /** The record says the tool wrote it and the user deleted it: stays deleted. */
  | 'deleted'
  /** A file of that name the tool never wrote, different from the new render: kept (only its pins move, if any). */
  | 'kept'
  /** The user's own dependency file: only its OpenTelemetry pins move. */
  | 'pins';

export interface FileInput {
  path: string;
  /** The user's file now; null when absent. */
  ours: string | null;
  theirs: string;
  base?: string;
  /** Hash recorded when the tool wrote it (present even when the base text is not). */
  recordedHash?: string;
  /**
   * The tool wrote this file before (recorded, or an answers file from before records existed). Only a
   * recorded hash or base text says the project had it, so only those make a missing file "deleted".
   */
  recorded: boolean;
  /** Dependency files: moves pins to the new set. */
  retarget?: (text: string) => Retargeted;
  /** The user's own file (only its pins move): never recorded as written by the tool. */
  noRecord?: boolean;
}

export interface FilePlan {
  path: string;
  action: FileAction;
  before: string | null;
  /** Content to write; null writes nothing. */
  after: string | null;
  conflicts: number;
  /** Why, for `kept` and `deleted`. */
  reason?: string;
  pins: PinChange[];
  /** What the answers file records as this file's base after the upgrade; undefined records no base. */
  newBase?: string;
}

const NO_RETARGET = (text: string): Retargeted => ({ text, changes: [] });

export function planFile(input: FileInput, labels: MergeLabels): FilePlan {
  const { path, ours, theirs } = input;
  const result = (action: FileAction, after: string | null, extra: Partial<FilePlan> = {}): FilePlan => ({
    path,
    action: after !== null && after === ours ? 'unchanged' : action,
    before: ours,
    after: after !== null && after === ours ? null : after,
    conflicts: 0,
    pins: [],
    ...(input.noRecord ? {} : { newBase: theirs }),
    ...extra,
  });
  if (ours === null) {
    if (input.base !== undefined || input.recordedHash !== undefined)
      return result('deleted', null, { reason: 'deleted since it was generated; left deleted' });
    return result('create', theirs);
  }
  const retarget = input.retarget ?? NO_RETARGET;
  const mine = retarget(ours);
  const unedited =
    ours === input.base || (input.recordedHash !== undefined && contentHash(ours) === input.recordedHash);
  if (unedited) return result(input.noRecord ? 'pins' : 'replace', theirs, { pins: mine.changes });
  if (input.base === undefined) {
    if (mine.text === theirs) return result('replace', theirs, { pins: mine.changes });
    if (input.recorded) {
      // No base: nothing says which side changed a line, so every difference is the user's call.
      const merged = merge2(mine.text, theirs, labels);
      return result('conflict', merged.text, {
        conflicts: merged.conflicts,
        pins: mine.changes,
        reason: 'no base to merge against: every difference from the new render is marked',
      });
    }
    // Nothing recorded as its base: the next upgrade must not mistake the new render for what the user started from.
    return result('kept', mine.changes.length > 0 ? mine.text : null, {
      reason: 'not merged: it exists but create-traced-service did not write it; your file is kept as it is',
      pins: mine.changes,
      newBase: undefined,
    });
  }
  const merged = merge3(retarget(input.base).text, mine.text, theirs, labels);
  return result(merged.conflicts > 0 ? 'conflict' : 'merge', merged.text, {
    conflicts: merged.conflicts,
    pins: mine.changes,
  });
}

export function planFiles(inputs: FileInput[], labels: MergeLabels): FilePlan[] {
  return inputs.map((i) => planFile(i, labels)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
