/**
 * The change as the user reviews it before consenting: edits to existing files first (what needs
 * reading), then new files by name and size, in full only with --show-new.
 */
import pc from 'picocolors';
import { terminalText } from '../core/escape.js';
import { colorDiff, unifiedDiff } from './diff.js';
import type { FileChange } from './changes.js';

function size(text: string): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  const lines = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  return `${lines} line${lines === 1 ? '' : 's'}, ${bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`}`;
}

export function renderReview(changes: FileChange[], options: { color: boolean; showNew: boolean }): string {
  const modified = changes.filter((c) => c.before !== null);
  const created = changes.filter((c) => c.before === null);
  const parts = modified.map((c) => colorDiff(unifiedDiff(c), options.color));
  if (created.length > 0) {
    if (options.showNew) parts.push(...created.map((c) => colorDiff(unifiedDiff(c), options.color)));
    else {
      const list = created.map((c) => `  + ${terminalText(c.path)} (${size(c.after)})`).join('\n');
      const hint = options.color
        ? pc.dim('(pass --show-new to see them in full)')
        : '(pass --show-new to see them in full)';
      parts.push(`New files ${hint}:\n${list}\n`);
    }
  }
  return parts.join('\n');
}
