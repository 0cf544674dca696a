/** pyproject.toml: PEP 621 `[project] dependencies` (which covers uv projects); Poetry's table is read in poetry.ts. */
import { parse as parseToml } from 'smol-toml';
import { declared, eol, exactOf, normalizeName, parsePep508, splitLines } from './text.js';
import { applyEdits, findArrayKey, lineOf, scanArray, tomlTables } from './toml.js';
import { readPoetryDependencies } from './poetry.js';
import type { DeclaredRequirement, DependencyFile, EditRequest, EditResult } from './types.js';

export function readPyproject(relPath: string, text: string): DependencyFile[] {
  let data: Record<string, unknown>;
  try {
    data = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    return [
      {
        path: relPath,
        kind: 'pep621',
        requirements: [],
        includes: [],
        error: `not valid TOML (${(error as Error).message.split('\n')[0]})`,
      },
    ];
  }
  const files: DependencyFile[] = [];
  const lines = splitLines(text);
  const tables = tomlTables(lines);
  const project = data.project as Record<string, unknown> | undefined;
  if (project && Array.isArray(project.dependencies)) {
    const table = tables.find((t) => t.name === 'project');
    const open = table ? findArrayKey(text, lines, table, 'dependencies') : undefined;
    const scanned = open !== undefined ? scanArray(text, open) : undefined;
    const requirements: DeclaredRequirement[] = [];
    for (const item of project.dependencies as unknown[]) {
      if (typeof item !== 'string') continue;
      const req = parsePep508(item);
      if (!req) continue;
      const at = scanned?.items.find((s) => s.value === item);
      requirements.push({
        ...declared(req, at ? lineOf(text, at.start) : table ? table.headerLine + 1 : 1),
        ...(req.url ? { locked: 'a URL requirement' } : !at ? { locked: 'an escaped string' } : {}),
      });
    }
    files.push({ path: relPath, kind: 'pep621', requirements, includes: [] });
  }
  const poetry = readPoetryDependencies(relPath, data, lines, tables);
  if (poetry) files.push(poetry);
  return files;
}

export function editPep621Text(text: string, request: EditRequest): EditResult {
  const result: EditResult = { text, added: [], aligned: [], skipped: [] };
  const lines = splitLines(text);
  const table = tomlTables(lines).find((t) => t.name === 'project');
  const open = table ? findArrayKey(text, lines, table, 'dependencies') : undefined;
  const scanned = open !== undefined ? scanArray(text, open) : undefined;
  if (open === undefined || !scanned) throw new Error('cannot find [project] dependencies = [...]');
  const edits: { start: number; end: number; text: string }[] = [];
  const declared = new Set<string>();
  for (const item of scanned.items) {
    const req = parsePep508(item.value);
    if (!req) continue;
    declared.add(req.name);
    const want = request.align.get(req.name);
    if (want === undefined || exactOf(req.spec) === want) continue;
    if (req.url || item.value.includes('\\')) {
      result.skipped.push({
        name: req.name,
        reason: 'URL requirement or escaped string',
        line: lineOf(text, item.start),
      });
      continue;
    }
    edits.push({ start: item.start + req.specStart, end: item.start + req.specEnd, text: `==${want}` });
    result.aligned.push({
      name: req.written,
      from: req.spec || '(any)',
      to: `==${want}`,
      line: lineOf(text, item.start),
    });
  }
  const missing = request.add.filter((p) => !declared.has(normalizeName(p.name)));
  if (missing.length > 0) {
    const quote = scanned.items[0]?.quote ?? '"';
    const multiline = text.slice(open, scanned.close).includes('\n');
    const last = scanned.items.at(-1);
    const nl = eol(text);
    if (multiline) {
      const firstItemLineStart = last ? text.lastIndexOf('\n', scanned.items[0]!.start) + 1 : -1;
      const indent = last ? /^[ \t]*/.exec(text.slice(firstItemLineStart))![0] : '    ';
      const closeLineStart = text.lastIndexOf('\n', scanned.close) + 1;
      const closeAlone = /^[ \t]*$/.test(text.slice(closeLineStart, scanned.close));
      const block = missing.map((p) => `${indent}${quote}${p.name}==${p.version}${quote},${nl}`).join('');
      if (last) {
        // A trailing comma after the last item, if it has none yet.
        const afterLast = text.slice(last.end + 1, scanned.close);
        if (!/^\s*,/.test(afterLast)) edits.push({ start: last.end + 1, end: last.end + 1, text: ',' });
      }
      if (closeAlone) edits.push({ start: closeLineStart, end: closeLineStart, text: block });
      else edits.push({ start: scanned.close, end: scanned.close, text: `${nl}${block}` });
    } else {
      const items = missing.map((p) => `${quote}${p.name}==${p.version}${quote}`).join(', ');
      if (last) {
        const afterLast = text.slice(last.end + 1, scanned.close);
        const comma = /^\s*,/.exec(afterLast);
        const at = comma ? last.end + 1 + comma[0].length : last.end + 1;
        edits.push({ start: at, end: at, text: comma ? ` ${items}` : `, ${items}` });
      } else edits.push({ start: open + 1, end: open + 1, text: items });
    }
    result.added = missing;
  }
  result.text = applyEdits(text, edits);
  return result;
}
