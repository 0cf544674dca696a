/** The change as a unified diff, colored for a terminal. */
import { createTwoFilesPatch } from 'diff';
import pc from 'picocolors';
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

export function colorDiff(text: string, color: boolean): string {
  if (!color) return text;
  return text
    .split('\n')
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

export function renderDiff(changes: FileChange[], color: boolean): string {
  return changes.map((c) => colorDiff(unifiedDiff(c), color)).join('\n');
}
