/** Text helpers shared by every dependency-file format: PEP 508 parsing, line splitting. */
import type { DeclaredRequirement } from './types.js';

export const normalizeName = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

export const NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/;

export function eol(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

export { splitLines } from '../../../../core/text-lines.js';

/** A PEP 508 requirement inside a string: where its version spec starts and ends. */
export interface ParsedRequirement {
  name: string;
  written: string;
  spec: string;
  specStart: number;
  specEnd: number;
  url: boolean;
}

export function parsePep508(text: string): ParsedRequirement | undefined {
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
  if (/^\s*@/.test(rest))
    return {
      name: normalizeName(m[1]!),
      written: m[1]!,
      spec: rest.trim(),
      specStart: i,
      specEnd: text.length,
      url: true,
    };
  // The spec runs up to a marker (;) or the end.
  const semi = rest.indexOf(';');
  const specText = semi === -1 ? rest : rest.slice(0, semi);
  const trailing = specText.length - specText.trimEnd().length;
  const leading = specText.length - specText.trimStart().length;
  const start = i + leading;
  const end = i + specText.length - trailing;
  return {
    name: normalizeName(m[1]!),
    written: m[1]!,
    spec: text.slice(start, Math.max(start, end)),
    specStart: start,
    specEnd: Math.max(start, end),
    url: false,
  };
}

export const exactOf = (spec: string): string | undefined =>
  /^===?\s*([A-Za-z0-9.+!_-]+)$/.exec(spec.replace(/\s+/g, ''))?.[1];

export function commentStart(body: string): number {
  // pip: a comment starts at `#` at the line start or after whitespace.
  const m = /(^|\s)#/.exec(body);
  return m ? m.index + m[1]!.length : body.length;
}

/** What every format records of one PEP 508 requirement at `line` (1-based); formats add `locked`. */
export function declared(req: ParsedRequirement, line: number): DeclaredRequirement {
  const exact = exactOf(req.spec);
  return { name: req.name, written: req.written, spec: req.spec, line, ...(exact ? { exact } : {}) };
}
