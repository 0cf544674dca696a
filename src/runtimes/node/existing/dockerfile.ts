/**
 * A Node service's Dockerfile: the CMD/ENTRYPOINT that starts node (exec form or shell form), and the
 * same instruction with the telemetry bootstrap preloaded. `CMD ["npm", "start"]` runs the start script,
 * which carries the flag itself.
 */
import { dockerignoreExcludes, lastStageCopies, withFileCopied } from '../../../pipeline/dockerfile.js';
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

/** The bootstrap copied into the last stage just before the instruction that starts node (same --chown). */
export function withBootstrapCopied(text: string, bootstrap: string): string {
  const start = dockerStart(text, bootstrap);
  return start ? withFileCopied(text, bootstrap, start.line) : text;
}

/** Whether the stage the image runs gets the bootstrap (see lastStageCopies). */
export const lastStageHasBootstrap = lastStageCopies;
export { dockerignoreExcludes };
