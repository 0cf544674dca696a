/** Markdown pieces every RESULTS.md section uses: tables, goal status, milliseconds. */

export const status = (met) => (met == null ? 'not run' : met ? '**met**' : '**missed**');
export const ms = (v, d = 0) => (v == null ? '—' : `${v.toFixed(d)} ms`);
export const row = (cells) => `| ${cells.join(' | ')} |`;

/** A Markdown table; `align[i] === 'r'` right-aligns column i. */
export function table(header, rows, align) {
  const sep = header.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [row(header), row(sep), ...rows.map(row)].join('\n');
}
