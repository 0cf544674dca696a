/** Line-level TOML helpers for byte-preserving edits (reading goes through smol-toml). */

export interface TomlTable {
  name: string;
  /** Index of the header line (-1 for the root table). */
  headerLine: number;
  /** First line after the header, and one past the last line of the table. */
  start: number;
  end: number;
}

/**
 * For each line, whether it begins inside a multi-line string, found by scanning strings and comments as
 * TOML does (a `'''` inside a basic string, or a `"` inside a comment, opens nothing).
 */
function startsInsideString(lines: string[]): boolean[] {
  const inside: boolean[] = [];
  let open: string | undefined;
  for (const line of lines) {
    inside.push(open !== undefined);
    let i = 0;
    while (i < line.length) {
      if (open) {
        if (open === '"""' && line[i] === '\\') i += 2;
        else if (line.startsWith(open, i)) {
          // Up to two more quotes right before the delimiter belong to the content.
          i += 3;
          while (line[i] === open[0]) i++;
          open = undefined;
        } else i++;
        continue;
      }
      const c = line[i]!;
      if (c === '#') break;
      if (line.startsWith('"""', i) || line.startsWith("'''", i)) {
        open = line.slice(i, i + 3);
        i += 3;
      } else if (c === '"' || c === "'") {
        let j = i + 1;
        while (j < line.length && line[j] !== c) j += c === '"' && line[j] === '\\' ? 2 : 1;
        i = j + 1;
      } else i++;
    }
  }
  return inside;
}

export function tomlTables(lines: string[]): TomlTable[] {
  const tables: TomlTable[] = [];
  let current: TomlTable = { name: '', headerLine: -1, start: 0, end: lines.length };
  const inside = startsInsideString(lines);
  lines.forEach((raw, i) => {
    if (inside[i]) return;
    const line = raw.replace(/\r?\n$/, '');
    const m = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/.exec(line);
    if (m) {
      current.end = i;
      tables.push(current);
      current = {
        name: m[1]!
          .split('.')
          .map((s) => s.trim().replace(/^["']|["']$/g, ''))
          .join('.'),
        headerLine: i,
        start: i + 1,
        end: lines.length,
      };
    }
  });
  tables.push(current);
  return tables;
}

/** A string literal in TOML text: offsets of its content (between the quotes). */
export interface TomlString {
  start: number;
  end: number;
  quote: string;
  value: string;
}

/** Scans an array starting at `open` (the '[' offset): its string items and the offset of its ']'. */
export function scanArray(text: string, open: number): { items: TomlString[]; close: number } | undefined {
  const items: TomlString[] = [];
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i + 1;
      let j = start;
      while (j < text.length && text[j] !== c && text[j] !== '\n') {
        if (c === '"' && text[j] === '\\') j++;
        j++;
      }
      if (text[j] !== c) return undefined;
      if (depth === 1) items.push({ start, end: j, quote: c, value: text.slice(start, j) });
      i = j;
      continue;
    }
    if (c === '[') depth++;
    if (c === ']') {
      depth--;
      if (depth === 0) return { items, close: i };
    }
  }
  return undefined;
}

export function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') n++;
  return n;
}

export function lineOffsets(lines: string[]): number[] {
  const offsets: number[] = [];
  let at = 0;
  for (const l of lines) {
    offsets.push(at);
    at += l.length;
  }
  offsets.push(at);
  return offsets;
}

/** Finds `key = [` inside a table: the offset of '['. */
export function findArrayKey(text: string, lines: string[], table: TomlTable, key: string): number | undefined {
  const offsets = lineOffsets(lines);
  for (let i = table.start; i < table.end; i++) {
    const m = new RegExp(`^(\\s*(?:${key}|"${key}"|'${key}')\\s*=\\s*)\\[`).exec(lines[i]!);
    if (m) return offsets[i]! + m[1]!.length;
  }
  return undefined;
}

export function findKeyLine(lines: string[], table: TomlTable, key: string): number | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (let i = table.start; i < table.end; i++) {
    if (new RegExp(`^\\s*(?:${escaped}|"${escaped}"|'${escaped}')\\s*=`).test(lines[i]!)) return i;
  }
  return undefined;
}

export function applyEdits(text: string, edits: { start: number; end: number; text: string }[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start || b.end - a.end))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
