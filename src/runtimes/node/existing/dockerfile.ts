/**
 * A Node service's Dockerfile: the CMD/ENTRYPOINT that starts node (exec form or shell form), and the
 * same instruction with the telemetry bootstrap preloaded. `CMD ["npm", "start"]` runs the start script,
 * which carries the flag itself.
 */
import { parseStartScript, preloadsBootstrap, withImport } from './start-command.js';

export interface DockerStart {
  /** 1-based line of the instruction. */
  line: number;
  instruction: 'CMD' | 'ENTRYPOINT';
  form: 'exec' | 'shell';
  /** The words as the container runs them. */
  argv: string[];
  /** Runs node directly (else npm/yarn/pnpm start, or something else). */
  runsNode: boolean;
  preloaded: boolean;
  entry?: string;
}

const INSTRUCTION = /^(\s*)(CMD|ENTRYPOINT)(\s+)(.*)$/i;

function parseExec(rest: string): string[] | undefined {
  if (!rest.trim().startsWith('[')) return undefined;
  try {
    const argv = JSON.parse(rest) as unknown;
    return Array.isArray(argv) && argv.every((a) => typeof a === 'string') ? argv : undefined;
  } catch {
    return undefined;
  }
}

/** The last CMD or ENTRYPOINT that starts node (the one the image runs), else the last CMD. */
export function dockerStart(text: string, bootstrap: string): DockerStart | undefined {
  const lines = text.split('\n');
  let found: DockerStart | undefined;
  for (let i = 0; i < lines.length; i++) {
    const m = INSTRUCTION.exec(lines[i]!.replace(/\r$/, ''));
    if (!m) continue;
    const instruction = m[2]!.toUpperCase() as 'CMD' | 'ENTRYPOINT';
    const rest = m[4]!;
    const exec = parseExec(rest);
    const script = exec ? exec.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ') : rest;
    const parsed = parseStartScript(script);
    const command = parsed.command;
    const start: DockerStart = {
      line: i + 1,
      instruction,
      form: exec ? 'exec' : 'shell',
      argv: exec ?? rest.split(/\s+/),
      runsNode: command !== undefined,
      preloaded: command ? preloadsBootstrap(command, bootstrap) : false,
      ...(command?.entry ? { entry: command.entry } : {}),
    };
    if (start.runsNode || !found?.runsNode) found = start;
  }
  return found;
}

/** The Dockerfile with the bootstrap preloaded by its node instruction; unchanged when nothing runs node. */
export function dockerfileWithImport(text: string, bootstrap: string): string {
  const start = dockerStart(text, bootstrap);
  if (!start?.runsNode || start.preloaded) return text;
  const lines = text.split('\n');
  const raw = lines[start.line - 1]!;
  const cr = raw.endsWith('\r') ? '\r' : '';
  const m = INSTRUCTION.exec(raw.replace(/\r$/, ''))!;
  const rest = m[4]!;
  let edited: string;
  if (start.form === 'exec') {
    // Insert after the "node" word, keeping the array's own spacing.
    const nodeWord = /"((?:[^"]*\/)?(?:node|tsx))"(\s*,)?/.exec(rest)!;
    const at = nodeWord.index + nodeWord[0].length - (nodeWord[2]?.length ?? 0);
    const sep = nodeWord[2] ? `,${/,\s/.test(rest) ? ' ' : ''}` : ', ';
    edited = `${rest.slice(0, at)}${sep}"--import"${sep}"./${bootstrap}"${rest.slice(at)}`;
  } else {
    edited = withImport(rest, parseStartScript(rest).command!, bootstrap);
  }
  lines[start.line - 1] = `${m[1]}${m[2]}${m[3]}${edited}${cr}`;
  return lines.join('\n');
}

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
 * Whether the stage the image runs (the last FROM) gets the bootstrap: a COPY/ADD from the build context of
 * the whole context (`.`, `./`), a glob matching it or the file itself, in that stage or in the earlier
 * stage it is built FROM. A multi-stage build that copies only dist/ and node_modules/ into its last stage
 * does not, and `--import` would fail at start.
 */
export function lastStageHasBootstrap(text: string, bootstrap: string): boolean {
  const stages = stagesOf(text);
  const seen = new Set<Stage>();
  for (let stage = stages.at(-1); stage && !seen.has(stage); ) {
    seen.add(stage);
    if (stage.lines.some((line) => copiesFromContext(line, bootstrap))) return true;
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

/** The bootstrap copied into the last stage just before the instruction that starts node (same --chown). */
export function withBootstrapCopied(text: string, bootstrap: string): string {
  const start = dockerStart(text, bootstrap);
  if (!start || lastStageHasBootstrap(text, bootstrap)) return text;
  const lines = text.split('\n');
  const cr = lines[start.line - 1]!.endsWith('\r') ? '\r' : '';
  const lastFrom = lines.reduce((at, line, i) => (/^\s*FROM\s/i.test(line) ? i : at), -1);
  const chown = lines
    .slice(lastFrom + 1, start.line - 1)
    .map((l) => /^\s*COPY\s.*?(--chown=\S+)/i.exec(l)?.[1])
    .find(Boolean);
  lines.splice(start.line - 1, 0, `COPY ${chown ? `${chown} ` : ''}${bootstrap} ./${cr}`);
  return lines.join('\n');
}
