/** Markdown pieces the RESULTS.md sections share: a table, a duration, a goal's status. */

export const status = (met) => (met === undefined ? 'not run' : met ? '**met**' : '**missed**');
export const ms = (v, d = 0) => (v == null ? '—' : `${v.toFixed(d)} ms`);
export const row = (cells) => `| ${cells.join(' | ')} |`;

export function table(header, rows, align) {
  const sep = header.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [row(header), row(sep), ...rows.map(row)].join('\n');
}
