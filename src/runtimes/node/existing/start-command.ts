/**
 * The command that starts a Node service (package.json's start script, a Dockerfile CMD): which runner,
 * which entry module, what is preloaded; and the same command with the telemetry bootstrap preloaded by
 * `--import`, edited in place so everything else stays as written.
 */

interface Token {
  text: string;
  start: number;
  end: number;
}

/** Shell words with their offsets (quotes removed from the text); `&&`, `||`, `;` and `|` are their own tokens. */
function tokenize(script: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < script.length) {
    if (/\s/.test(script[i]!)) {
      i++;
      continue;
    }
    const op = /^(&&|\|\||;|\|)/.exec(script.slice(i));
    if (op) {
      tokens.push({ text: op[1]!, start: i, end: i + op[1]!.length });
      i += op[1]!.length;
      continue;
    }
    const start = i;
    let text = '';
    while (i < script.length && !/[\s;&|]/.test(script[i]!)) {
      const c = script[i]!;
      if (c === "'" || c === '"') {
        const close = script.indexOf(c, i + 1);
        const end = close < 0 ? script.length : close;
        text += script.slice(i + 1, end);
        i = end + 1;
      } else {
        text += c;
        i++;
      }
    }
    tokens.push({ text, start, end: Math.min(i, script.length) });
  }
  return tokens;
}

/** Node options that take the next word as their value. */
const VALUE_FLAGS = new Set([
  '--import',
  '-r',
  '--require',
  '--loader',
  '--experimental-loader',
  '--env-file',
  '--conditions',
  '-C',
  '--title',
]);
const PRELOAD_FLAGS = new Set(['--import', '-r', '--require', '--loader', '--experimental-loader']);
/** Runners that accept Node's own options before the entry (tsx passes them to node). */
export const NODE_RUNNERS = new Set(['node', 'tsx']);

export interface NodeCommand {
  runner: string;
  /** Offset just after the runner word, where `--import <file>` is inserted. */
  insertAt: number;
  /** The entry module as written (undefined for `node -e`, a REPL). */
  entry?: string;
  preloads: { flag: string; value: string }[];
}

export interface StartScript {
  /** The segment that runs node (the last one, after `npm run build &&` and the like). */
  command?: NodeCommand;
  /** The program the start script runs when it is not node (nodemon, ts-node, pm2 ...). */
  otherRunner?: string;
}

/** Node's options up to the entry module: what they preload, and the entry. */
function nodeArgs(words: string[]): { preloads: { flag: string; value: string }[]; entry?: string } {
  const preloads: { flag: string; value: string }[] = [];
  for (let j = 0; j < words.length; j++) {
    const word = words[j]!;
    if (word === '-e' || word === '--eval' || word === '-p') return { preloads };
    if (!word.startsWith('-')) return { preloads, entry: word };
    const eq = word.indexOf('=');
    const flag = eq > 0 ? word.slice(0, eq) : word;
    let value = eq > 0 ? word.slice(eq + 1) : undefined;
    if (value === undefined && VALUE_FLAGS.has(flag)) value = words[++j];
    if (PRELOAD_FLAGS.has(flag) && value !== undefined) preloads.push({ flag, value });
  }
  return { preloads };
}

/** The node command of a script; env assignments (`NODE_ENV=production node ...`) and cross-env are skipped. */
export function parseStartScript(script: string): StartScript {
  const tokens = tokenize(script);
  const segments: Token[][] = [[]];
  for (const t of tokens) {
    if (['&&', '||', ';', '|'].includes(t.text)) segments.push([]);
    else segments.at(-1)!.push(t);
  }
  let other: string | undefined;
  for (const segment of segments.reverse()) {
    let k = 0;
    while (
      k < segment.length &&
      (/^[A-Za-z_][A-Za-z0-9_]*=/.test(segment[k]!.text) || segment[k]!.text === 'cross-env')
    )
      k++;
    if (segment[k]?.text === 'exec') k++;
    const runner = segment[k];
    if (!runner) continue;
    const base = runner.text.split('/').pop()!;
    if (!NODE_RUNNERS.has(base)) {
      if (!/^(npm|pnpm|yarn|npx|echo|rm|mkdir|cp|tsc)$/.test(base)) other ??= base;
      continue;
    }
    const { preloads, entry } = nodeArgs(segment.slice(k + 1).map((t) => t.text));
    // NODE_OPTIONS=... set for this command preloads as well.
    for (const t of segment.slice(0, k)) {
      if (t.text.startsWith('NODE_OPTIONS='))
        preloads.unshift(...nodeArgs(t.text.slice('NODE_OPTIONS='.length).split(/\s+/).filter(Boolean)).preloads);
    }
    return { command: { runner: base, insertAt: runner.end, entry, preloads } };
  }
  return other ? { otherRunner: other } : {};
}

/** `./telemetry.mjs` preloaded by this command already. */
export function preloadsBootstrap(command: NodeCommand, bootstrap: string): boolean {
  const norm = (s: string) => s.replace(/^\.\//, '');
  return command.preloads.some((p) => norm(p.value) === norm(bootstrap));
}

/** The script with `--import ./<bootstrap>` right after the runner; unchanged when it is there already. */
export function withImport(script: string, command: NodeCommand, bootstrap: string): string {
  if (preloadsBootstrap(command, bootstrap)) return script;
  return `${script.slice(0, command.insertAt)} --import ./${bootstrap}${script.slice(command.insertAt)}`;
}
