/** Poetry: `[tool.poetry.dependencies]` and Poetry's constraint syntax. */
import { parse as parseToml } from 'smol-toml';
import { eol, exactOf, normalizeName, splitLines } from './text.js';
import { findKeyLine, tomlTables, type TomlTable } from './toml.js';
import type { DeclaredRequirement, DependencyFile, EditRequest, EditResult } from './types.js';

export function readPoetryDependencies(
  relPath: string,
  data: Record<string, unknown>,
  lines: string[],
  tables: TomlTable[],
): DependencyFile | undefined {
  const poetry = ((data.tool as Record<string, unknown> | undefined)?.poetry as Record<string, unknown> | undefined)
    ?.dependencies as Record<string, unknown> | undefined;
  if (!poetry || typeof poetry !== 'object') return undefined;
  const table = tables.find((t) => t.name === 'tool.poetry.dependencies');
  // A bare version is Poetry's exact pin.
  const exactOfSpec = (spec: string) => (/^[0-9][A-Za-z0-9.+!_-]*$/.test(spec) ? spec : exactOf(spec));
  const requirements = tableRequirements(poetry, lines, table, (spec) => spec, exactOfSpec);
  return { path: relPath, kind: 'poetry', requirements, includes: [] };
}

/**
 * The declarations of one TOML table of `name = "constraint"` or `name = {version = "...", ...}` entries
 * (Poetry's dependencies, a Pipfile's [packages]), `python` left out; `spec` reads a constraint into the
 * file's own syntax, `exact` finds an exact pin in it.
 */
export function tableRequirements(
  entries: Record<string, unknown>,
  lines: string[],
  table: TomlTable | undefined,
  spec: (written: string) => string,
  exact: (spec: string) => string | undefined,
): DeclaredRequirement[] {
  const requirements: DeclaredRequirement[] = [];
  for (const [written, value] of Object.entries(entries)) {
    if (normalizeName(written) === 'python') continue;
    const raw =
      typeof value === 'string'
        ? value
        : typeof value === 'object' && value && typeof (value as { version?: unknown }).version === 'string'
          ? (value as { version: string }).version
          : '';
    const constraint = spec(raw);
    const lineIndex = table ? findKeyLine(lines, table, written) : undefined;
    const pinned = exact(constraint);
    requirements.push({
      name: normalizeName(written),
      written,
      spec: constraint,
      line: lineIndex !== undefined ? lineIndex + 1 : 1,
      ...(pinned ? { exact: pinned } : {}),
      ...(Array.isArray(value)
        ? { locked: 'multiple constraints' }
        : typeof value === 'object' && value && !('version' in value)
          ? { locked: 'a path, URL or git dependency' }
          : {}),
    });
  }
  return requirements;
}

export function editPoetryText(text: string, request: EditRequest): EditResult {
  return editDependencyTable(text, request, 'tool.poetry.dependencies', (version) => version);
}

/**
 * Adds and aligns the `name = "constraint"` entries of one TOML table (Poetry's dependencies, a Pipfile's
 * [packages]); `constraint` writes an exact version in the file's syntax. Other lines stay byte-identical.
 */
export function editDependencyTable(
  text: string,
  request: EditRequest,
  tableName: string,
  constraint: (version: string) => string,
): EditResult {
  const result: EditResult = { text, added: [], aligned: [], skipped: [] };
  const lines = splitLines(text);
  const table = tomlTables(lines).find((t) => t.name === tableName);
  if (!table) throw new Error(`cannot find [${tableName}]`);
  const out = [...lines];
  const declared = new Set<string>();
  for (let i = table.start; i < table.end; i++) {
    const m = /^(\s*)(["']?)([A-Za-z0-9][A-Za-z0-9._-]*)\2(\s*=\s*)(.*)$/.exec(lines[i]!.replace(/\r?\n$/, ''));
    if (!m) continue;
    const name = normalizeName(m[3]!);
    declared.add(name);
    const version = request.align.get(name);
    if (version === undefined) continue;
    const want = constraint(version);
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
    for (let i = table.start; i < table.end; i++)
      if (lines[i]!.trim() !== '' && !lines[i]!.trim().startsWith('#')) last = i;
    const nl = eol(text);
    if (last >= 0 && !out[last]!.endsWith('\n')) out[last] += nl;
    const block = missing.map((p) => `${p.name} = "${constraint(p.version)}"${nl}`).join('');
    out.splice(last + 1, 0, block);
    result.added = missing;
  }
  result.text = out.join('');
  return result;
}

/** Poetry's constraint syntax to PEP 440, for installing a Poetry project's dependencies with pip/uv. */
export function poetryToPep440(constraint: string): string | undefined {
  const parts = constraint
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
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
