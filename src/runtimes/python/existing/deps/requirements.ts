/** requirements*.txt: pip's line format, `-r`/`-c` includes, hash-pinned and continued lines. */
import {
  commentStart,
  declared,
  eol,
  exactOf,
  normalizeName,
  parsePep508,
  splitLines,
  type ParsedRequirement,
} from './text.js';
import type { DeclaredRequirement, DependencyFile, EditRequest, EditResult } from './types.js';

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
    const hashed = /--hash/.test(line.body) || (lines[i - 1]?.continued ?? false);
    requirements.push({
      ...declared(req, i + 1),
      ...(req.url
        ? { locked: 'a URL requirement' }
        : line.continued || hashed
          ? { locked: 'a hash-pinned or continued line' }
          : {}),
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
      const block = [
        ...(request.header && body !== '' ? [`# ${request.header}`] : []),
        ...missing.map((p) => `${p.name}==${p.version}`),
      ];
      result.text = body + block.map((l) => l + nl).join('');
    }
    result.added = missing;
  } else {
    result.text = out.join('');
  }
  return result;
}
