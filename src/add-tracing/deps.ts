/**
 * The project's dependency files: requirements*.txt, pyproject.toml (PEP 621 — which covers uv projects —
 * or Poetry) and setup.cfg. Reading goes through real parsers (smol-toml for TOML); editing is surgical
 * text insertion/replacement so that every line we do not need to change stays byte-identical, comments
 * and formatting included. Everything here is pure: text in, text out.
 */
import { parse as parseToml } from 'smol-toml';
import { contribLineFor, corePackages, type OtelLine, type PythonPackage } from '../versions.js';

export type DependencyFileKind = 'requirements' | 'pep621' | 'poetry' | 'setup.cfg';

export interface DeclaredRequirement {
  /** PEP 503-normalized distribution name. */
  name: string;
  /** The name as written. */
  written: string;
  /** Version constraint as written (PEP 440 or, for Poetry, Poetry's syntax); '' when unconstrained. */
  spec: string;
  /** The exact version when the constraint is an exact pin (`==1.2.3`, or a bare Poetry version). */
  exact?: string;
  /** 1-based line of the declaration. */
  line: number;
  /** Not editable in place (URL, path or git requirement, hash-pinned, continued line, ...). */
  locked?: string;
}

export interface DependencyFile {
  path: string;
  kind: DependencyFileKind;
  requirements: DeclaredRequirement[];
  /** requirements files only: `-r`/`-c` targets, resolved relative to the project root. */
  includes: string[];
  /** Set when the file could not be parsed; nothing is edited then. */
  error?: string;
}

export const normalizeName = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

const NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/;

function eol(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function splitLines(text: string): string[] {
  // Keeps each line's own terminator so joining gives the text back byte for byte.
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** A PEP 508 requirement inside a string: where its version spec starts and ends. */
interface ParsedRequirement {
  name: string;
  written: string;
  spec: string;
  specStart: number;
  specEnd: number;
  url: boolean;
}

function parsePep508(text: string): ParsedRequirement | undefined {
  const lead = text.length - text.trimStart().length;
  const m = NAME.exec(text.slice(lead));
  if (!m) return undefined;
  let i = lead + m[1]!.length;
  const afterName = i;
  while (text[i] === ' ' || text[i] === '\t') i++;
  if (text[i] === '[') {
    const close = text.indexOf(']', i);
    if (close === -1) return undefined;
    i = close + 1;
  } else i = afterName;
  const rest = text.slice(i);
  if (/^\s*@/.test(rest)) return { name: normalizeName(m[1]!), written: m[1]!, spec: rest.trim(), specStart: i, specEnd: text.length, url: true };
  // The spec runs up to a marker (;) or the end.
  const semi = rest.indexOf(';');
  const specText = semi === -1 ? rest : rest.slice(0, semi);
  const trailing = specText.length - specText.trimEnd().length;
  const leading = specText.length - specText.trimStart().length;
  const start = i + leading;
  const end = i + specText.length - trailing;
  return { name: normalizeName(m[1]!), written: m[1]!, spec: text.slice(start, Math.max(start, end)), specStart: start, specEnd: Math.max(start, end), url: false };
}

const exactOf = (spec: string): string | undefined => /^===?\s*([A-Za-z0-9.+!_-]+)$/.exec(spec.replace(/\s+/g, ''))?.[1];

// --- requirements*.txt -----------------------------------------------------------------------------

interface RequirementsLine {
  index: number;
  /** Content without the line terminator. */
  body: string;
  terminator: string;
  requirement?: ParsedRequirement;
  /** Offset in `body` where a trailing comment starts, or body.length. */
  commentAt: number;
  continued: boolean;
  option?: { flag: string; value: string };
}

function commentStart(body: string): number {
  // pip: a comment starts at `#` at the line start or after whitespace.
  const m = /(^|\s)#/.exec(body);
  return m ? m.index + m[1]!.length : body.length;
}

function requirementsLines(text: string): RequirementsLine[] {
  return splitLines(text).map((raw, index) => {
    const terminator = raw.endsWith('\r\n') ? '\r\n' : raw.endsWith('\n') ? '\n' : '';
    const body = raw.slice(0, raw.length - terminator.length);
    const commentAt = commentStart(body);
    const content = body.slice(0, commentAt);
    const continued = /\\\s*$/.test(content);
    const line: RequirementsLine = { index, body, terminator, commentAt, continued };
    const trimmed = content.trim();
    if (trimmed === '') return line;
    if (trimmed.startsWith('-')) {
      const m = /^(-[A-Za-z-]+)(?:\s*=\s*|\s+)?(.*)$/.exec(trimmed);
      if (m) line.option = { flag: m[1]!, value: m[2]!.trim() };
      return line;
    }
    if (/^[a-z+]+:\/\//i.test(trimmed) || trimmed.startsWith('.') || trimmed.startsWith('/')) return line;
    const req = parsePep508(content);
    if (req) line.requirement = req;
    return line;
  });
}

export function readRequirementsFile(relPath: string, text: string): DependencyFile {
  const lines = requirementsLines(text);
  const requirements: DeclaredRequirement[] = [];
  const includes: string[] = [];
  const dir = relPath.includes('/') ? relPath.slice(0, relPath.lastIndexOf('/')) : '';
  lines.forEach((line, i) => {
    if (line.option && ['-r', '--requirement', '-c', '--constraint'].includes(line.option.flag) && line.option.value) {
      includes.push(joinPosix(dir, line.option.value));
    }
    const req = line.requirement;
    if (!req) return;
    const exact = exactOf(req.spec);
    const hashed = /--hash/.test(line.body) || (lines[i - 1]?.continued ?? false);
    requirements.push({
      name: req.name,
      written: req.written,
      spec: req.spec,
      line: i + 1,
      ...(exact ? { exact } : {}),
      ...(req.url ? { locked: 'a URL requirement' } : line.continued || hashed ? { locked: 'a hash-pinned or continued line' } : {}),
    });
  });
  return { path: relPath, kind: 'requirements', requirements, includes };
}

function joinPosix(dir: string, rel: string): string {
  const parts = (dir ? `${dir}/${rel}` : rel).split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return out.join('/');
}

export interface EditResult {
  text: string;
  added: PythonPackage[];
  aligned: { name: string; from: string; to: string; line: number }[];
  /** Declarations that needed aligning but could not be edited in place. */
  skipped: { name: string; reason: string; line: number }[];
}

export interface EditRequest {
  /** Packages to add when the file does not declare them. */
  add: PythonPackage[];
  /** Declared packages whose constraint must become exactly `version` (normalized name -> version). */
  align: Map<string, string>;
  /** Comment line put above an appended block (without '# '). */
  header?: string;
}

function sortedByName(names: string[]): boolean {
  for (let i = 1; i < names.length; i++) if (names[i - 1]!.localeCompare(names[i]!) > 0) return false;
  return names.length >= 2;
}

export function editRequirementsText(text: string, request: EditRequest): EditResult {
  const lines = requirementsLines(text);
  const nl = eol(text);
  const result: EditResult = { text, added: [], aligned: [], skipped: [] };
  const out = lines.map((l) => l.body + l.terminator);
  const declared = new Set<string>();
  lines.forEach((line, i) => {
    const req = line.requirement;
    if (!req) return;
    declared.add(req.name);
    const want = request.align.get(req.name);
    if (want === undefined || exactOf(req.spec) === want) return;
    if (req.url || line.continued || /--hash/.test(line.body)) {
      result.skipped.push({ name: req.name, reason: 'URL, hash-pinned or continued line', line: i + 1 });
      return;
    }
    const body = line.body;
    const newBody = `${body.slice(0, req.specStart)}==${want}${body.slice(req.specEnd)}`;
    out[i] = newBody + line.terminator;
    result.aligned.push({ name: req.written, from: req.spec || '(any)', to: `==${want}`, line: i + 1 });
  });
  const missing = request.add.filter((p) => !declared.has(normalizeName(p.name)));
  if (missing.length > 0) {
    const reqLines = lines.filter((l) => l.requirement);
    const names = reqLines.map((l) => l.requirement!.name);
    if (sortedByName(names)) {
      // Keep a sorted file sorted: each new line goes before the first name that sorts after it.
      const inserts = new Map<number, string[]>();
      let appendAtEnd: string[] = [];
      const byName = [...missing].sort((a, b) => normalizeName(a.name).localeCompare(normalizeName(b.name)));
      for (const pkg of byName) {
        const norm = normalizeName(pkg.name);
        const before = reqLines.find((l) => l.requirement!.name.localeCompare(norm) > 0);
        const text = `${pkg.name}==${pkg.version}`;
        if (before) inserts.set(before.index, [...(inserts.get(before.index) ?? []), text]);
        else appendAtEnd.push(text);
      }
      const lastReq = reqLines.at(-1)!;
      const merged: string[] = [];
      out.forEach((content, i) => {
        for (const t of inserts.get(i) ?? []) merged.push(t + nl);
        if (i === lastReq.index && appendAtEnd.length > 0) {
          merged.push(content.endsWith('\n') ? content : content + nl);
          for (const t of appendAtEnd) merged.push(t + nl);
          appendAtEnd = [];
        } else merged.push(content);
      });
      result.text = merged.join('');
    } else {
      let body = out.join('');
      if (body !== '' && !body.endsWith('\n')) body += nl;
      const block = [...(request.header && body !== '' ? [`# ${request.header}`] : []), ...missing.map((p) => `${p.name}==${p.version}`)];
      result.text = body + block.map((l) => l + nl).join('');
    }
    result.added = missing;
  } else {
    result.text = out.join('');
  }
  return result;
}

// --- TOML helpers ----------------------------------------------------------------------------------

interface TomlTable {
  name: string;
  /** Index of the header line (-1 for the root table). */
  headerLine: number;
  /** First line after the header, and one past the last line of the table. */
  start: number;
  end: number;
}

function tomlTables(lines: string[]): TomlTable[] {
  const tables: TomlTable[] = [];
  let current: TomlTable = { name: '', headerLine: -1, start: 0, end: lines.length };
  let inMultiline: string | undefined;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r?\n$/, '');
    if (inMultiline) {
      if (line.includes(inMultiline)) inMultiline = undefined;
      return;
    }
    const triple = /("""|''')/.exec(line);
    if (triple && line.split(triple[1]!).length === 2) {
      inMultiline = triple[1];
      return;
    }
    const m = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/.exec(line);
    if (m) {
      current.end = i;
      tables.push(current);
      current = { name: m[1]!.split('.').map((s) => s.trim().replace(/^["']|["']$/g, '')).join('.'), headerLine: i, start: i + 1, end: lines.length };
    }
  });
  tables.push(current);
  return tables;
}

/** A string literal in TOML text: offsets of its content (between the quotes). */
interface TomlString {
  start: number;
  end: number;
  quote: string;
  value: string;
}

/** Scans an array starting at `open` (the '[' offset): its string items and the offset of its ']'. */
function scanArray(text: string, open: number): { items: TomlString[]; close: number } | undefined {
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

function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') n++;
  return n;
}

function lineOffsets(lines: string[]): number[] {
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
function findArrayKey(text: string, lines: string[], table: TomlTable, key: string): number | undefined {
  const offsets = lineOffsets(lines);
  for (let i = table.start; i < table.end; i++) {
    const m = new RegExp(`^(\\s*(?:${key}|"${key}"|'${key}')\\s*=\\s*)\\[`).exec(lines[i]!);
    if (m) return offsets[i]! + m[1]!.length;
  }
  return undefined;
}

// --- PEP 621 ---------------------------------------------------------------------------------------

export function readPyproject(relPath: string, text: string): DependencyFile[] {
  let data: Record<string, unknown>;
  try {
    data = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    return [{ path: relPath, kind: 'pep621', requirements: [], includes: [], error: `not valid TOML (${(error as Error).message.split('\n')[0]})` }];
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
      const exact = exactOf(req.spec);
      requirements.push({
        name: req.name,
        written: req.written,
        spec: req.spec,
        line: at ? lineOf(text, at.start) : table ? table.headerLine + 1 : 1,
        ...(exact ? { exact } : {}),
        ...(req.url ? { locked: 'a URL requirement' } : !at ? { locked: 'an escaped string' } : {}),
      });
    }
    files.push({ path: relPath, kind: 'pep621', requirements, includes: [] });
  }
  const poetry = ((data.tool as Record<string, unknown> | undefined)?.poetry as Record<string, unknown> | undefined)?.dependencies as
    | Record<string, unknown>
    | undefined;
  if (poetry && typeof poetry === 'object') {
    const table = tables.find((t) => t.name === 'tool.poetry.dependencies');
    const requirements: DeclaredRequirement[] = [];
    for (const [written, value] of Object.entries(poetry)) {
      if (normalizeName(written) === 'python') continue;
      const spec = typeof value === 'string' ? value : typeof value === 'object' && value && typeof (value as { version?: unknown }).version === 'string' ? (value as { version: string }).version : '';
      const lineIndex = table ? findKeyLine(lines, table, written) : undefined;
      const exact = /^[0-9][A-Za-z0-9.+!_-]*$/.test(spec) ? spec : exactOf(spec);
      requirements.push({
        name: normalizeName(written),
        written,
        spec,
        line: lineIndex !== undefined ? lineIndex + 1 : 1,
        ...(exact ? { exact } : {}),
        ...(Array.isArray(value) ? { locked: 'multiple constraints' } : typeof value === 'object' && value && !('version' in value) ? { locked: 'a path, URL or git dependency' } : {}),
      });
    }
    files.push({ path: relPath, kind: 'poetry', requirements, includes: [] });
  }
  return files;
}

function findKeyLine(lines: string[], table: TomlTable, key: string): number | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (let i = table.start; i < table.end; i++) {
    if (new RegExp(`^\\s*(?:${escaped}|"${escaped}"|'${escaped}')\\s*=`).test(lines[i]!)) return i;
  }
  return undefined;
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
      result.skipped.push({ name: req.name, reason: 'URL requirement or escaped string', line: lineOf(text, item.start) });
      continue;
    }
    edits.push({ start: item.start + req.specStart, end: item.start + req.specEnd, text: `==${want}` });
    result.aligned.push({ name: req.written, from: req.spec || '(any)', to: `==${want}`, line: lineOf(text, item.start) });
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

function applyEdits(text: string, edits: { start: number; end: number; text: string }[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start || b.end - a.end)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

// --- Poetry ----------------------------------------------------------------------------------------

export function editPoetryText(text: string, request: EditRequest): EditResult {
  const result: EditResult = { text, added: [], aligned: [], skipped: [] };
  const lines = splitLines(text);
  const table = tomlTables(lines).find((t) => t.name === 'tool.poetry.dependencies');
  if (!table) throw new Error('cannot find [tool.poetry.dependencies]');
  const out = [...lines];
  const declared = new Set<string>();
  for (let i = table.start; i < table.end; i++) {
    const m = /^(\s*)(["']?)([A-Za-z0-9][A-Za-z0-9._-]*)\2(\s*=\s*)(.*)$/.exec(lines[i]!.replace(/\r?\n$/, ''));
    if (!m) continue;
    const name = normalizeName(m[3]!);
    declared.add(name);
    const want = request.align.get(name);
    if (want === undefined) continue;
    const value = m[5]!;
    const prefix = m[1]! + m[2]! + m[3]! + m[2]! + m[4]!;
    const terminator = lines[i]!.slice(lines[i]!.replace(/\r?\n$/, '').length);
    const plain = /^(["'])([^"']*)\1(.*)$/.exec(value);
    const inline = /^(\{.*?\bversion\s*=\s*)(["'])([^"']*)\2(.*)$/.exec(value);
    if (plain) {
      if (plain[2] === want) continue;
      out[i] = `${prefix}${plain[1]}${want}${plain[1]}${plain[3]}${terminator}`;
      result.aligned.push({ name: m[3]!, from: plain[2]!, to: want, line: i + 1 });
    } else if (inline) {
      if (inline[3] === want) continue;
      out[i] = `${prefix}${inline[1]}${inline[2]}${want}${inline[2]}${inline[4]}${terminator}`;
      result.aligned.push({ name: m[3]!, from: inline[3]!, to: want, line: i + 1 });
    } else {
      result.skipped.push({ name: m[3]!, reason: 'not a plain version constraint', line: i + 1 });
    }
  }
  const missing = request.add.filter((p) => !declared.has(normalizeName(p.name)));
  if (missing.length > 0) {
    let last = table.start - 1;
    for (let i = table.start; i < table.end; i++) if (lines[i]!.trim() !== '' && !lines[i]!.trim().startsWith('#')) last = i;
    const nl = eol(text);
    if (last >= 0 && !out[last]!.endsWith('\n')) out[last] += nl;
    const block = missing.map((p) => `${p.name} = "${p.version}"${nl}`).join('');
    out.splice(last + 1, 0, block);
    result.added = missing;
  }
  result.text = out.join('');
  return result;
}

/** Poetry's constraint syntax to PEP 440, for installing a Poetry project's dependencies with pip/uv. */
export function poetryToPep440(constraint: string): string | undefined {
  const parts = constraint.split(',').map((s) => s.trim()).filter(Boolean);
  if (constraint.includes('||')) return undefined;
  const out: string[] = [];
  for (const part of parts) {
    if (part === '*') continue;
    const caret = /^\^\s*(\d+(?:\.\d+)*)(.*)$/.exec(part);
    const tilde = /^~(?!=)\s*(\d+(?:\.\d+)*)(.*)$/.exec(part);
    if (caret) {
      const nums = caret[1]!.split('.').map(Number);
      const idx = nums.findIndex((n) => n !== 0);
      const bumpAt = idx === -1 ? nums.length - 1 : Math.min(idx, nums.length - 1);
      const upper = nums.slice(0, bumpAt + 1).map((n, i) => (i === bumpAt ? n + 1 : n));
      while (upper.length < Math.max(2, nums.length) && upper.length < nums.length) upper.push(0);
      out.push(`>=${caret[1]}${caret[2]}`, `<${upper.join('.')}`);
    } else if (tilde) {
      const nums = tilde[1]!.split('.').map(Number);
      const upper = nums.length === 1 ? [nums[0]! + 1] : [nums[0]!, nums[1]! + 1];
      out.push(`>=${tilde[1]}${tilde[2]}`, `<${upper.join('.')}`);
    } else if (/^\d/.test(part)) {
      out.push(`==${part}`);
    } else if (/^(==|!=|<=|>=|<|>|~=)/.test(part)) {
      out.push(part.replace(/\s+/g, ''));
    } else return undefined;
  }
  return out.join(',');
}

/** PEP 508 requirement lines for a Poetry project's main dependencies (for the smoke test's venv). */
export function poetryInstallLines(text: string): string[] {
  const data = parseToml(text) as { tool?: { poetry?: { dependencies?: Record<string, unknown> } } };
  const deps = data.tool?.poetry?.dependencies ?? {};
  const lines: string[] = [];
  for (const [name, value] of Object.entries(deps)) {
    if (normalizeName(name) === 'python') continue;
    let constraint = '';
    let extras: string[] = [];
    if (typeof value === 'string') constraint = value;
    else if (value && typeof value === 'object' && !Array.isArray(value)) {
      const v = value as { version?: string; extras?: string[]; optional?: boolean };
      if (v.optional) continue;
      if (typeof v.version !== 'string') continue; // path / git / url dependencies are not installable from here
      constraint = v.version;
      extras = Array.isArray(v.extras) ? v.extras : [];
    } else continue;
    const pep = poetryToPep440(constraint);
    lines.push(`${name}${extras.length ? `[${extras.join(',')}]` : ''}${pep ?? ''}`);
  }
  return lines;
}

// --- setup.cfg -------------------------------------------------------------------------------------

function setupCfgInstallRequires(lines: string[]): { keyLine: number; items: number[]; indent: string } | undefined {
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r?\n$/, '');
    const header = /^\s*\[([^\]]+)\]/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    if (section !== 'options') continue;
    const m = /^install_requires\s*[=:]\s*(.*)$/.exec(line);
    if (!m) continue;
    const items: number[] = [];
    if (m[1]!.trim() !== '') items.push(i);
    let indent = '    ';
    for (let j = i + 1; j < lines.length; j++) {
      const next = lines[j]!.replace(/\r?\n$/, '');
      if (next.trim() === '' || /^\S/.test(next)) break;
      indent = /^\s*/.exec(next)![0];
      if (!next.trim().startsWith('#')) items.push(j);
    }
    return { keyLine: i, items, indent };
  }
  return undefined;
}

export function readSetupCfg(relPath: string, text: string): DependencyFile | undefined {
  const lines = splitLines(text);
  const found = setupCfgInstallRequires(lines);
  if (!found) return undefined;
  const requirements: DeclaredRequirement[] = [];
  for (const i of found.items) {
    const raw = lines[i]!.replace(/\r?\n$/, '');
    const value = i === found.keyLine ? raw.replace(/^install_requires\s*[=:]\s*/, '') : raw;
    const body = value.slice(0, commentStart(value));
    const req = parsePep508(body);
    if (!req) continue;
    const exact = exactOf(req.spec);
    requirements.push({ name: req.name, written: req.written, spec: req.spec, line: i + 1, ...(exact ? { exact } : {}) });
  }
  return { path: relPath, kind: 'setup.cfg', requirements, includes: [] };
}

export function editSetupCfgText(text: string, request: EditRequest): EditResult {
  const result: EditResult = { text, added: [], aligned: [], skipped: [] };
  const lines = splitLines(text);
  const found = setupCfgInstallRequires(lines);
  if (!found) throw new Error('cannot find [options] install_requires');
  const out = [...lines];
  const declared = new Set<string>();
  for (const i of found.items) {
    const raw = lines[i]!;
    const terminator = raw.slice(raw.replace(/\r?\n$/, '').length);
    const content = raw.slice(0, raw.length - terminator.length);
    const keyPrefix = i === found.keyLine ? /^install_requires\s*[=:]\s*/.exec(content)![0] : '';
    const value = content.slice(keyPrefix.length);
    const req = parsePep508(value.slice(0, commentStart(value)));
    if (!req) continue;
    declared.add(req.name);
    const want = request.align.get(req.name);
    if (want === undefined || exactOf(req.spec) === want) continue;
    out[i] = `${keyPrefix}${value.slice(0, req.specStart)}==${want}${value.slice(req.specEnd)}${terminator}`;
    result.aligned.push({ name: req.written, from: req.spec || '(any)', to: `==${want}`, line: i + 1 });
  }
  const missing = request.add.filter((p) => !declared.has(normalizeName(p.name)));
  if (missing.length > 0) {
    const nl = eol(text);
    const last = found.items.at(-1) ?? found.keyLine;
    if (!out[last]!.endsWith('\n')) out[last] += nl;
    out.splice(last + 1, 0, missing.map((p) => `${found.indent}${p.name}==${p.version}${nl}`).join(''));
    result.added = missing;
  }
  result.text = out.join('');
  return result;
}

// --- what to add, what to align --------------------------------------------------------------------

/** OpenTelemetry distributions versioned with the API/SDK (1.N.p). */
const SDK_TRAIN = /^opentelemetry-(api|sdk|proto|exporter-otlp(-proto-(grpc|http|common))?|propagator-(b3|jaeger))$/;
/** Distributions versioned with the contrib instrumentations (0.(N+21)bP). */
const CONTRIB_TRAIN = /^opentelemetry-(instrumentation(-[a-z0-9-]+)?|semantic-conventions|distro|util-http)$/;

export function isOtelPackage(name: string): boolean {
  return SDK_TRAIN.test(name) || CONTRIB_TRAIN.test(name);
}

/** The version a declared OpenTelemetry distribution must have on `line`, or undefined if it is not in a train we know. */
export function matchedVersion(name: string, line: OtelLine): string | undefined {
  if (SDK_TRAIN.test(name)) return line.sdk;
  if (CONTRIB_TRAIN.test(name)) return line.contrib;
  return undefined;
}

export interface DependencyPlan {
  /** File that receives missing packages; undefined means create requirements.txt. */
  target?: DependencyFile;
  add: PythonPackage[];
  /** Per file: normalized name -> exact version. */
  align: Map<string, Map<string, string>>;
}

export function editDependencyText(kind: DependencyFileKind, text: string, request: EditRequest): EditResult {
  switch (kind) {
    case 'requirements':
      return editRequirementsText(text, request);
    case 'pep621':
      return editPep621Text(text, request);
    case 'poetry':
      return editPoetryText(text, request);
    case 'setup.cfg':
      return editSetupCfgText(text, request);
  }
}

const KIND_PRIORITY: Record<DependencyFileKind, number> = { pep621: 0, poetry: 1, 'setup.cfg': 2, requirements: 3 };

function requirementsRank(p: string): number {
  if (p === 'requirements.txt') return 0;
  if (/(^|\/)(dev|test|tests|lint|docs)[^/]*\.txt$|-(dev|test|tests|lint|docs)\.txt$/.test(p)) return 3;
  if (!p.includes('/')) return 1;
  return 2;
}

export function orderedFiles(files: DependencyFile[]): DependencyFile[] {
  return [...files]
    .filter((f) => !f.error)
    .sort((a, b) => KIND_PRIORITY[a.kind] - KIND_PRIORITY[b.kind] || requirementsRank(a.path) - requirementsRank(b.path) || a.path.localeCompare(b.path));
}

/**
 * Where the matched set goes: OpenTelemetry packages are added where the framework is declared (or the
 * project's main dependency file) and aligned wherever they are declared; the framework and its server
 * are added only when the project does not declare them at all (its own constraints are kept).
 */
export function planDependencies(
  files: DependencyFile[],
  wanted: PythonPackage[],
  frameworkDistributions: string[],
  line: OtelLine,
): DependencyPlan {
  const usable = orderedFiles(files);
  const declaredAnywhere = new Set(usable.flatMap((f) => f.requirements.map((r) => r.name)));
  const frameworkNames = new Set(frameworkDistributions.map(normalizeName));
  const target = usable.find((f) => f.requirements.some((r) => frameworkNames.has(r.name))) ?? usable[0];
  const add = wanted.filter((p) => !declaredAnywhere.has(normalizeName(p.name)));
  const align = new Map<string, Map<string, string>>();
  const wantedOtel = new Map(wanted.filter((p) => isOtelPackage(normalizeName(p.name))).map((p) => [normalizeName(p.name), p.version]));
  for (const file of usable) {
    const m = new Map<string, string>();
    for (const r of file.requirements) {
      if (!isOtelPackage(r.name)) continue;
      const version = wantedOtel.get(r.name) ?? matchedVersion(r.name, line);
      if (version && r.exact !== version) m.set(r.name, version);
    }
    if (m.size > 0) align.set(file.path, m);
  }
  return { ...(target ? { target } : {}), add, align };
}

/** Declared OpenTelemetry versions that do not belong together (the guide's "mismatched versions"). */
export function mismatchedOtelVersions(files: DependencyFile[]): { detail: string; file: string; line: number }[] {
  const declared = files.flatMap((f) => f.requirements.filter((r) => isOtelPackage(r.name)).map((r) => ({ ...r, file: f.path })));
  const sdkTrain = declared.filter((r) => SDK_TRAIN.test(r.name) && r.exact);
  const contribTrain = declared.filter((r) => CONTRIB_TRAIN.test(r.name) && r.exact);
  const problems: { detail: string; file: string; line: number }[] = [];
  const reference = sdkTrain.find((r) => r.name === 'opentelemetry-sdk') ?? sdkTrain.find((r) => r.name === 'opentelemetry-api') ?? sdkTrain[0];
  if (!reference) return problems;
  const refMinor = reference.exact!.split('.').slice(0, 2).join('.');
  for (const r of sdkTrain) {
    if (r.exact!.split('.').slice(0, 2).join('.') !== refMinor) {
      problems.push({ detail: `${r.written}==${r.exact} is not on the ${reference.written} ${refMinor} line`, file: r.file, line: r.line });
    }
  }
  const contribLine = contribLineFor(reference.exact!);
  for (const r of contribTrain) {
    if (!r.exact!.startsWith(`${contribLine}b`)) {
      problems.push({ detail: `${r.written}==${r.exact} was not released with ${reference.written}==${reference.exact} (that is ${contribLine}bN)`, file: r.file, line: r.line });
    }
  }
  return problems;
}

/** The matched set for a line: core packages for the exporter plus the framework's. */
export function matchedSet(line: OtelLine, exporter: 'otlp-grpc' | 'otlp-http' | 'console', frameworkPackages: PythonPackage[]): PythonPackage[] {
  return [...corePackages(line, exporter), ...frameworkPackages];
}
