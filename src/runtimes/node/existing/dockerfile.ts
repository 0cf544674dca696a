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

/**
 * Whether the stage the image runs (the last FROM) gets the bootstrap: a COPY/ADD from the build context of
 * the whole context (`.`, `./`) or of the file itself. A multi-stage build that copies only dist/ and
 * node_modules/ into its last stage does not, and `--import` would fail at start.
 */
export function lastStageHasBootstrap(text: string, bootstrap: string): boolean {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const lastFrom = lines.reduce((at, line, i) => (/^\s*FROM\s/i.test(line) ? i : at), -1);
  return lines.slice(lastFrom + 1).some((line) => {
    const m = /^\s*(?:COPY|ADD)\s+(.*)$/i.exec(line);
    if (!m || /--from=/i.test(m[1]!)) return false;
    const words = m[1]!.split(/\s+/).filter((w) => w && !w.startsWith('--'));
    const sources = words.slice(0, -1).map((w) => w.replace(/^\.\//, ''));
    return sources.some((s) => s === '.' || s === '' || s === bootstrap || s === '*' || s === '*.mjs');
  });
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
