/**
 * A coverage gate (`--cov-fail-under`, `fail_under`) would fail on the telemetry module add-tracing writes,
 * code the project's tests have no reason to run: the module goes into the project's own coverage `omit`
 * list, in the file coverage reads its settings from, so the change shows in the diff.
 */
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { UsageError } from '../../../core/errors.js';
import type { FileChange } from '../../../pipeline/changes.js';
import { readTextIfExists } from '../../../core/read-file.js';

/** The files that configure pytest and coverage, in the order coverage looks for its settings. */
export const COVERAGE_FILES = ['.coveragerc', 'setup.cfg', 'tox.ini', 'pyproject.toml', 'pytest.ini'] as const;

type Files = Record<string, string | undefined>;

export type OmitEdit = { path: string; before: string | null; after: string } | { refusal: string };

const GATE_IN_ADDOPTS = /--cov-fail-under(?:\s*=\s*|\s+)\d/;

/** `[section]` of an ini file: its lines (header excluded) as [start, end) line indexes, or undefined. */
function iniSection(lines: string[], name: string): { header: number; end: number } | undefined {
  const header = lines.findIndex((l) => l.trim() === `[${name}]`);
  if (header < 0) return undefined;
  let end = header + 1;
  while (end < lines.length && !/^\[/.test(lines[end]!)) end++;
  return { header, end };
}

function iniHasKey(text: string, section: string, key: RegExp): boolean {
  const lines = text.split('\n');
  const s = iniSection(lines, section);
  return s !== undefined && lines.slice(s.header + 1, s.end).some((l) => key.test(l));
}

/** The omit values of an ini section (coverage splits them on newlines and commas). */
function iniOmit(
  lines: string[],
  s: { header: number; end: number },
): { key: number; last: number; values: string[] } | undefined {
  const key = lines.findIndex((l, i) => i > s.header && i < s.end && /^omit\s*[=:]/.test(l));
  if (key < 0) return undefined;
  let last = key;
  while (last + 1 < s.end && /^[ \t]+\S/.test(lines[last + 1]!) && !/^[ \t]+[#;]/.test(lines[last + 1]!)) last++;
  const raw = [lines[key]!.replace(/^omit\s*[=:]/, ''), ...lines.slice(key + 1, last + 1)].join('\n');
  const values = raw
    .split(/[\n,]/)
    .map((v) => v.trim())
    .filter(Boolean);
  return { key, last, values };
}

/** Adds `file` to `[section] omit` of an ini-format file (.coveragerc, setup.cfg, tox.ini). */
export function iniWithOmit(text: string, section: string, file: string): string {
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const s = iniSection(lines, section);
  if (!s) {
    const body = text.replace(/\s*$/, '');
    return `${body}${body === '' ? '' : `${nl}${nl}`}[${section}]${nl}omit =${nl}    ${file}${nl}`;
  }
  const omit = iniOmit(lines, s);
  if (!omit) lines.splice(s.header + 1, 0, 'omit =', `    ${file}`);
  else {
    const indent = omit.last > omit.key ? /^[ \t]+/.exec(lines[omit.last]!)![0] : '    ';
    lines.splice(omit.last + 1, 0, `${indent}${file}`);
  }
  return lines.join(nl);
}

/** Index of the `]` closing the array that opens at `open`, skipping strings and comments. */
function closingBracket(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      const quote = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      let j = i + quote.length;
      // Basic strings ("...") have escapes; literal ones ('...') do not.
      while (j < text.length && !text.startsWith(quote, j)) j += c === '"' && text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return -1;
      i = j + quote.length - 1;
    } else if (c === '#') {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol;
    } else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  return -1;
}

/** Adds `file` to `[tool.coverage.run] omit` in pyproject.toml, keeping everything else as written. */
export function tomlWithOmit(text: string, file: string): string {
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const quoted = JSON.stringify(file);
  const header = /^\[tool\.coverage\.run\][ \t]*(#.*)?$/m.exec(text);
  if (!header) return `${text.replace(/\s*$/, '')}${nl}${nl}[tool.coverage.run]${nl}omit = [${quoted}]${nl}`;
  const start = header.index + header[0].length;
  const next = /^\[/m.exec(text.slice(start));
  const end = next ? start + next.index : text.length;
  const key = /^omit[ \t]*=[ \t]*\[/m.exec(text.slice(start, end));
  if (!key) return `${text.slice(0, start)}${nl}omit = [${quoted}]${text.slice(start)}`;
  const open = start + key.index + key[0].length - 1;
  const close = closingBracket(text, open);
  if (close < 0) return text;
  const inner = text.slice(open + 1, close);
  // The last value's end, comments and blank space after it left where they are.
  const significant = inner.replace(/#[^\n]*/g, (m) => ' '.repeat(m.length)).trimEnd();
  if (significant.trim() === '') return `${text.slice(0, open + 1)}${quoted}${text.slice(close)}`;
  const comma = significant.endsWith(',') ? '' : ',';
  const at = open + 1 + significant.length;
  if (!inner.includes('\n')) return `${text.slice(0, at)}${comma} ${quoted}${text.slice(at)}`;
  const indent = /\n([ \t]+)\S/.exec(inner)?.[1] ?? '    ';
  return `${text.slice(0, at)}${comma}${nl}${indent}${quoted},${text.slice(at)}`;
}

function tomlOmit(text: string): string[] | undefined {
  try {
    const data = parseToml(text) as { tool?: { coverage?: { run?: { omit?: unknown } } } };
    const omit = data.tool?.coverage?.run?.omit;
    return Array.isArray(omit) ? omit.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return undefined;
  }
}

/** Where coverage reads its settings: --cov-config, else the first of its own files that has them. */
function coverageConfig(files: Files): { path: string; kind: 'ini' | 'toml'; section: string } | undefined {
  const given = Object.values(files)
    .map((t) => /--cov-config(?:\s*=\s*|\s+)["']?([^\s"']+)/.exec(t ?? '')?.[1])
    .find(Boolean);
  const kindOf = (p: string) => (p.endsWith('.toml') ? 'toml' : 'ini');
  const sectionOf = (p: string) => (/(^|\/)(setup\.cfg|tox\.ini)$/.test(p) ? 'coverage:run' : 'run');
  if (given) return { path: given.replace(/^\.\//, ''), kind: kindOf(given), section: sectionOf(given) };
  if (files['.coveragerc'] !== undefined) return { path: '.coveragerc', kind: 'ini', section: 'run' };
  for (const name of ['setup.cfg', 'tox.ini']) {
    if (/^\[coverage:/m.test(files[name] ?? '')) return { path: name, kind: 'ini', section: 'coverage:run' };
  }
  if (/^\[tool\.coverage[.\]]/m.test(files['pyproject.toml'] ?? ''))
    return { path: 'pyproject.toml', kind: 'toml', section: 'tool.coverage.run' };
  return undefined;
}

/** Whether the project fails its test run under a coverage percentage. */
export function hasCoverageGate(files: Files): boolean {
  if (Object.values(files).some((t) => GATE_IN_ADDOPTS.test(t ?? ''))) return true;
  const failUnder = /^fail_under\s*[=:]/;
  if (iniHasKey(files['.coveragerc'] ?? '', 'report', failUnder)) return true;
  if (['setup.cfg', 'tox.ini'].some((n) => iniHasKey(files[n] ?? '', 'coverage:report', failUnder))) return true;
  try {
    const data = parseToml(files['pyproject.toml'] ?? '') as {
      tool?: { coverage?: { report?: { fail_under?: unknown } } };
    };
    return data.tool?.coverage?.report?.fail_under !== undefined;
  } catch {
    return false;
  }
}

/**
 * The edit that leaves `telemetryPath` out of coverage when a gate would fail on it: in the coverage config
 * the project has (a new .coveragerc when it has none), undefined when there is no gate or it is omitted
 * already; a refusal when the config cannot be edited safely.
 */
export function coverageOmitEdit(files: Files, telemetryPath: string): OmitEdit | undefined {
  if (!hasCoverageGate(files)) return undefined;
  const config = coverageConfig(files) ?? { path: '.coveragerc', kind: 'ini' as const, section: 'run' };
  const before = files[config.path] ?? null;
  const how = `add ${telemetryPath} to the \`omit\` list of [${config.section}] in ${config.path}`;
  if (config.kind === 'toml') {
    const current = tomlOmit(before ?? '');
    if (current === undefined)
      return {
        refusal: `${config.path} is not valid TOML, so ${telemetryPath} cannot be left out of its coverage gate`,
      };
    if (current.includes(telemetryPath)) return undefined;
    const after = tomlWithOmit(before ?? '', telemetryPath);
    // What was written must read back as the same settings plus the one entry.
    if (JSON.stringify(tomlOmit(after)) !== JSON.stringify([...current, telemetryPath]))
      return {
        refusal: `the project's coverage gate would fail on ${telemetryPath} and its omit list could not be edited here: ${how}`,
      };
    return { path: config.path, before, after };
  }
  const lines = (before ?? '').split(/\r?\n/);
  const section = iniSection(lines, config.section);
  if (section && iniOmit(lines, section)?.values.includes(telemetryPath)) return undefined;
  return { path: config.path, before, after: iniWithOmit(before ?? '', config.section, telemetryPath) };
}

async function readIf(file: string): Promise<string | undefined> {
  return readTextIfExists(file);
}

/**
 * Adds the omit edit to the planned changes (merged into a change already planned for the same file);
 * throws a UsageError, before anything is written, when the gate cannot be kept passing.
 */
export async function withCoverageOmit(root: string, telemetryPath: string, changes: FileChange[]): Promise<void> {
  const files: Files = {};
  for (const name of COVERAGE_FILES) {
    const planned = changes.find((c) => c.path === name);
    files[name] = planned ? planned.after : await readIf(path.join(root, name));
  }
  const given = /--cov-config(?:\s*=\s*|\s+)["']?([^\s"']+)/.exec(Object.values(files).join('\n'))?.[1];
  const rel = given?.replace(/^\.\//, '');
  if (rel && !(rel in files))
    files[rel] = changes.find((c) => c.path === rel)?.after ?? (await readIf(path.join(root, rel)));
  const edit = coverageOmitEdit(files, telemetryPath);
  if (!edit) return;
  if ('refusal' in edit) throw new UsageError(`${edit.refusal} — nothing was changed`);
  const summary = `leaves ${telemetryPath} out of coverage (omit), so the project's coverage gate still passes`;
  const prior = changes.find((c) => c.path === edit.path);
  if (prior) {
    prior.after = edit.after;
    prior.summary.push(summary);
  } else changes.push({ path: edit.path, before: edit.before, after: edit.after, summary: [summary] });
}
