/**
 * Dockerfiles read as Docker reads them, for every runtime's add-tracing: continuation lines, stages and
 * the one the image runs, what a COPY/ADD takes from the build context, what .dockerignore keeps out, and
 * a file copied into the last stage when the image would otherwise run without it.
 */

/** Dockerfile lines with `\` continuations joined, each kept at its first line's index. */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  let current: string | undefined;
  for (const raw of text.split('\n').map((l) => l.replace(/\r$/, ''))) {
    const joined = current === undefined ? raw : `${current} ${raw.trim()}`;
    if (/\\\s*$/.test(joined)) current = joined.replace(/\\\s*$/, '');
    else {
      out.push(joined);
      current = undefined;
    }
  }
  if (current !== undefined) out.push(current);
  return out;
}

/** A Docker/.dockerignore glob (Go filepath.Match, plus `**` for any depth) as a whole-path regex. */
function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (glob.startsWith('**/', i)) {
      re += '(?:.*/)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      re += '.*';
      i += 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^\^/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A path as Docker cleans it relative to the context: no leading `/` or `./`, `.` for the context itself. */
function contextPath(p: string): string {
  const cleaned = p
    .replace(/^\/+/, '')
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '');
  return cleaned === '' ? '.' : cleaned;
}

interface Stage {
  name?: string;
  base: string;
  lines: string[];
}

function stagesOf(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const from = /^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from)
      stages.push({ base: from[1]!.toLowerCase(), ...(from[2] ? { name: from[2].toLowerCase() } : {}), lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

/** Whether one COPY/ADD line copies `file` from the build context (`.`, `./`, a glob or the file itself). */
function copiesFromContext(line: string, file: string): boolean {
  const m = /^\s*(?:COPY|ADD)\s+(.*)$/i.exec(line);
  if (!m) return false;
  let rest = m[1]!.trim();
  const flags: string[] = [];
  for (let f = /^--\S+\s+/.exec(rest); f; f = /^--\S+\s+/.exec(rest)) {
    flags.push(f[0].trim());
    rest = rest.slice(f[0].length);
  }
  if (flags.some((f) => /^--from=/i.test(f)) || rest.startsWith('<<')) return false;
  let words: string[];
  try {
    words = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
  } catch {
    return false;
  }
  const excluded = flags
    .map((f) => /^--exclude=(.+)$/i.exec(f)?.[1])
    .some((glob) => glob !== undefined && globRegex(contextPath(glob)).test(file));
  if (excluded) return false;
  return words
    .slice(0, -1)
    .map(contextPath)
    .some((source) => source === '.' || globRegex(source).test(file));
}

/**
 * Whether the stage the image runs (the last FROM) gets `file`: a COPY/ADD from the build context of the
 * whole context (`.`, `./`), a glob matching it or the file itself, in that stage or in the earlier stage
 * it is built FROM. A multi-stage build that copies only some folders into its last stage does not.
 */
export function lastStageCopies(text: string, file: string): boolean {
  const stages = stagesOf(text);
  const seen = new Set<Stage>();
  for (let stage = stages.at(-1); stage && !seen.has(stage); ) {
    seen.add(stage);
    if (stage.lines.some((line) => copiesFromContext(line, file))) return true;
    const base = stage.base;
    stage = stages.find((s) => s.name === base && !seen.has(s));
  }
  return false;
}

/**
 * The .dockerignore rule that keeps `file` (at the context root) out of the build context, or undefined.
 * The last matching rule decides; `!` rules let a file back in.
 */
export function dockerignoreExcludes(ignore: string, file: string): string | undefined {
  let excludedBy: string | undefined;
  for (const raw of ignore.split('\n')) {
    const rule = raw.replace(/\r$/, '').trim();
    if (rule === '' || rule.startsWith('#')) continue;
    const negated = rule.startsWith('!');
    const glob = contextPath(negated ? rule.slice(1).trim() : rule);
    if (!globRegex(glob).test(file)) continue;
    excludedBy = negated ? undefined : rule;
  }
  return excludedBy;
}

/**
 * `file` (at the context root) copied into the last stage just before the line `beforeLine` (1-based; the
 * instruction that starts the service), with the --chown its other COPY instructions use; unchanged when
 * that stage gets it already.
 */
export function withFileCopied(text: string, file: string, beforeLine: number): string {
  if (lastStageCopies(text, file)) return text;
  const lines = text.split('\n');
  const cr = lines[beforeLine - 1]?.endsWith('\r') ? '\r' : '';
  const lastFrom = lines.reduce((at, line, i) => (/^\s*FROM\s/i.test(line) ? i : at), -1);
  const chown = lines
    .slice(lastFrom + 1, beforeLine - 1)
    .map((l) => /^\s*COPY\s.*?(--chown=\S+)/i.exec(l)?.[1])
    .find(Boolean);
  lines.splice(beforeLine - 1, 0, `COPY ${chown ? `${chown} ` : ''}${file} ./${cr}`);
  return lines.join('\n');
}

/** 1-based line of the last CMD or ENTRYPOINT (the instruction the image starts with), if any. */
export function lastStartLine(text: string): number | undefined {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) if (/^\s*(CMD|ENTRYPOINT)\s/i.test(lines[i]!)) return i + 1;
  return undefined;
}
