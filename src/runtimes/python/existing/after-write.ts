/** After add-tracing wrote a Python project: its formatters on what was written, then its lock files re-locked. */
import type { Ui } from '../../../core/ui.js';
import { formatStep, type FormatResult } from './formatters.js';
import type { RelockResult } from './lock.js';
import { relockStep } from './relock-step.js';

export interface AfterWrite {
  ok: boolean;
  formatters: FormatResult[];
  locks: RelockResult[];
  /** Lock files re-locked with a change: written too. */
  relocked: string[];
}

/** The project's formatters on what was written (and only that), then its lock files re-locked. */
export async function afterWrite(
  root: string,
  written: string[],
  opts: { format: boolean; lock: boolean; python?: string },
  ui: Ui,
): Promise<AfterWrite> {
  const formatted = written.length > 0 && opts.format ? await formatStep(root, written, ui) : { ok: true, results: [] };
  const locks = await relockStep(root, written, ui, {
    skip: !opts.lock,
    ...(opts.python ? { python: opts.python } : {}),
  });
  return {
    ok: formatted.ok,
    formatters: formatted.results,
    locks,
    relocked: locks.filter((l) => l.outcome === 'relocked' && l.changed).map((l) => l.lock.file),
  };
}
