/** Editing Python source byte for byte: lines with their own terminators, and the analyzer's byte columns. */
export { splitLines as splitKeep } from './deps/text.js';

/** Index in a JS string for a UTF-8 byte column (what Python's ast reports). */
export function byteColToIndex(line: string, byteCol: number): number {
  let bytes = 0;
  let i = 0;
  while (i < line.length && bytes < byteCol) {
    const cp = line.codePointAt(i)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

/** A text inserted at a 1-based line and the analyzer's UTF-8 byte column of the original source. */
export interface Insertion {
  line: number;
  col: number;
  text: string;
}

/** Applies insertions to `lines` (split with their terminators) in place, right to left so columns hold. */
export function insertInLines(lines: string[], insertions: Insertion[]): void {
  const ordered = [...insertions].sort((a, b) => b.line - a.line || b.col - a.col);
  for (const { line, col, text } of ordered) {
    const current = lines[line - 1]!;
    const at = byteColToIndex(current, col);
    lines[line - 1] = current.slice(0, at) + text + current.slice(at);
  }
}
