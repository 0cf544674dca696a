/**
 * The change as a unified diff: plain for --json, escaped (and colored) for a terminal, where a file's control
 * characters are shown as escapes instead of acting on the terminal.
 */
import { createTwoFilesPatch } from 'diff';
import pc from 'picocolors';
import { terminalText } from '../core/escape.js';
import type { FileChange } from './changes.js';

export function unifiedDiff(change: FileChange): string {
  const oldName = change.before === null ? '/dev/null' : `a/${change.path}`;
  const patch = createTwoFilesPatch(
    oldName,
    `b/${change.path}`,
    change.before ?? '',
    change.after,
    undefined,
    undefined,
    { context: 3 },
  );
  // createTwoFilesPatch starts with an "Index:"-less "===" header line; keep the git-style part only.
  return patch
    .split('\n')
    .filter((l) => !/^={10,}$/.test(l))
    .join('\n')
    .replace(/\n+$/, '\n');
}

/** A unified diff for a terminal: every line escaped, then colored. */
export function colorDiff(text: string, color: boolean): string {
  const lines = text.split('\n').map((l) => terminalText(l));
  if (!color) return lines.join('\n');
  return lines
    .map((l) => {
      if (l.startsWith('+++') || l.startsWith('---')) return pc.bold(l);
      if (l.startsWith('@@')) return pc.cyan(l);
      if (l.startsWith('+')) return pc.green(l);
      if (l.startsWith('-')) return pc.red(l);
      if (l.startsWith('\\')) return pc.dim(l);
      return l;
    })
    .join('\n');
}

/** The diff as data (--json): the files' text exactly, JSON escapes what it must. */
export function plainDiff(changes: FileChange[]): string {
  return changes.map((c) => unifiedDiff(c)).join('\n');
}

/** The diff for a terminal. */
export function renderDiff(changes: FileChange[], color: boolean): string {
  return changes.map((c) => colorDiff(unifiedDiff(c), color)).join('\n');
}
