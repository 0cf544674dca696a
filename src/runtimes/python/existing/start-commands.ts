/**
 * How a project is started: uvicorn / gunicorn / hypercorn / `fastapi run` commands in Dockerfiles,
 * Procfiles, compose files, shell scripts and Makefiles, and the `opentelemetry-instrument` wrapper in
 * front of them. Pure: (path, text) in, commands out; the wrapper removal is a surgical text edit.
 */

export interface StartCommand {
  path: string;
  /** 1-based line. */
  line: number;
  text: string;
  server: 'uvicorn' | 'gunicorn' | 'hypercorn' | 'fastapi' | 'unknown';
  /** `module:attr` the command serves, when it names one. */
  app?: string;
  factory: boolean;
  appDir?: string;
  /** The opentelemetry-instrument launcher wraps the server. */
  wrapper: boolean;
  /** gunicorn's -c/--config file, as written. */
  config?: string;
  /** gunicorn --preload: the app (and its provider) is built in the master, before the fork. */
  preload?: boolean;
}

const START_FILE =
  /(^|\/)(Dockerfile[^/]*|[^/]*\.Dockerfile|Procfile[^/]*|(docker-)?compose[^/]*\.ya?ml|[^/]*\.sh|Makefile|justfile|entrypoint[^/]*|start[^/]*)$/i;

export function isStartFile(relPath: string): boolean {
  return START_FILE.test(relPath) && !relPath.endsWith('.py');
}

/** Shell-like words of a command line with their offsets (quotes removed from the word text). */
export function words(line: string): { word: string; start: number; end: number }[] {
  const out: { word: string; start: number; end: number }[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /[\s,[\]]/.test(line[i]!)) i++;
    if (i >= line.length) break;
    const start = i;
    let word = '';
    while (i < line.length && !/[\s,\]]/.test(line[i]!)) {
      const c = line[i]!;
      if (c === '"' || c === "'") {
        const close = line.indexOf(c, i + 1);
        if (close === -1) {
          word += line.slice(i + 1);
          i = line.length;
          break;
        }
        word += line.slice(i + 1, close);
        i = close + 1;
      } else {
        word += c;
        i++;
      }
    }
    out.push({ word, start, end: i });
  }
  return out;
}

const SERVERS = ['uvicorn', 'gunicorn', 'hypercorn', 'fastapi'] as const;
const WRAPPER = 'opentelemetry-instrument';

function parseCommand(path: string, lineNo: number, text: string): StartCommand | undefined {
  // Installing a server is not starting one.
  if (/\b(pip3?|uv|poetry|pipx|apt-get|apk)\s+(install|add|sync)\b/.test(text)) return undefined;
  const ws = words(text);
  const base = (i: number) => ws[i]?.word.split('/').pop() ?? '';
  let serverAt = -1;
  let server: StartCommand['server'] = 'unknown';
  for (let i = 0; i < ws.length; i++) {
    let at = -1;
    if ((SERVERS as readonly string[]).includes(base(i))) at = i;
    else if (
      /^python[0-9.]*$/.test(base(i)) &&
      ws[i + 1]?.word === '-m' &&
      (SERVERS as readonly string[]).includes(ws[i + 2]?.word ?? '')
    )
      at = i + 2;
    if (at === -1) continue;
    const name = base(at) as StartCommand['server'];
    // `fastapi` is a server only as the fastapi CLI (`fastapi run`); elsewhere it is a package name.
    if (name === 'fastapi' && !['run', 'dev'].includes(ws[at + 1]?.word ?? '')) continue;
    serverAt = at;
    server = name;
    break;
  }
  const wrapper = ws.some((w) => w.word.split('/').pop() === WRAPPER);
  if (serverAt === -1 && !wrapper) return undefined;
  let app: string | undefined;
  let appDir: string | undefined;
  let factory = false;
  let config: string | undefined;
  let preload = false;
  if (serverAt !== -1) {
    const rest = ws.slice(serverAt + 1);
    for (let i = 0; i < rest.length; i++) {
      const w = rest[i]!.word;
      if (w === '--factory') factory = true;
      else if (server === 'gunicorn' && (w === '-c' || w === '--config')) config = rest[++i]?.word;
      else if (server === 'gunicorn' && w.startsWith('--config=')) config = w.slice('--config='.length);
      else if (server === 'gunicorn' && w === '--preload') preload = true;
      else if (w === '--app-dir' || w === '--chdir') appDir = rest[++i]?.word;
      else if (w.startsWith('--app-dir=') || w.startsWith('--chdir=')) appDir = w.slice(w.indexOf('=') + 1);
      else if (!app && /^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*(\(\))?$/.test(w)) {
        app = w.replace(/\(\)$/, '');
        if (w.endsWith('()')) factory = true;
      }
    }
  }
  const dir = appDir?.replace(/^\.\/?/, '').replace(/\/$/, '');
  return {
    path,
    line: lineNo,
    text: text.trim(),
    server,
    ...(app ? { app } : {}),
    factory,
    ...(dir ? { appDir: dir } : {}),
    wrapper,
    ...(config ? { config } : {}),
    ...(preload ? { preload } : {}),
  };
}

export function findStartCommands(relPath: string, text: string): StartCommand[] {
  const out: StartCommand[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*#/.test(line)) return;
    const cmd = parseCommand(relPath, i + 1, line);
    if (cmd) out.push(cmd);
  });
  return out;
}

/**
 * Removes the opentelemetry-instrument launcher (and its own options) from one line, keeping the rest
 * of the line as it is: `CMD opentelemetry-instrument --traces_exporter otlp uvicorn app:app` becomes
 * `CMD uvicorn app:app`, and the exec form `["opentelemetry-instrument", "uvicorn", ...]` loses one element.
 */
export function removeWrapper(line: string): string {
  const ws = words(line);
  const at = ws.findIndex((w) => w.word.split('/').pop() === WRAPPER);
  if (at === -1) return line;
  let next = at + 1;
  // The launcher's own options: --flag value or --flag=value, up to the program it starts.
  while (next < ws.length && ws[next]!.word.startsWith('-')) {
    const flag = ws[next]!.word;
    next += flag.includes('=') ? 1 : 2;
  }
  const program = ws[next];
  if (!program) return line;
  return line.slice(0, ws[at]!.start) + line.slice(program.start);
}
