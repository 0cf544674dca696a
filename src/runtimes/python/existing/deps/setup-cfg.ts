/** setup.cfg: `[options] install_requires`. */
import { commentStart, declared, eol, exactOf, normalizeName, parsePep508, splitLines } from './text.js';
import type { DeclaredRequirement, DependencyFile, EditRequest, EditResult } from './types.js';

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
      if (/^\S/.test(next)) break;
      if (next.trim() === '') {
        // As configparser reads it: the value goes on past empty lines while the next line is indented.
        const following = lines.slice(j + 1).find((l) => l.trim() !== '');
        if (following === undefined || /^\S/.test(following)) break;
        continue;
      }
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
    requirements.push(declared(req, i + 1));
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
