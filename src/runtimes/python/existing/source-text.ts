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
