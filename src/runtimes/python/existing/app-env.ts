/**
 * The configuration an app needs to import: a dotenv file read the way python-dotenv (and so
 * pydantic-settings) reads it, and, when importing still fails, the real error in a few lines.
 */

/** KEY=VALUE pairs of a dotenv file: `export` prefixes, quotes, `#` comments, ${VAR} expansion. */
export function parseDotenv(text: string, environ: Record<string, string | undefined> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const expand = (value: string) =>
    value.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (_m, name: string, dflt?: string) => environ[name] ?? out[name] ?? dflt ?? '',
    );
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(lines[i]!);
    if (!m) continue;
    const key = m[1]!;
    let rest = m[2]!;
    const q = rest[0];
    if (q === '"' || q === "'") {
      // A quoted value may span lines.
      let body = rest.slice(1);
      while (!new RegExp(`(^|[^\\\\])${q}`).test(body) && i + 1 < lines.length) body += `\n${lines[++i]}`;
      const end = body.search(new RegExp(`(^|[^\\\\])${q}`));
      let value = end === -1 ? body : body.slice(0, end + (body[end] === q ? 0 : 1));
      if (q === '"') value = expand(value.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1'));
      out[key] = value;
    } else {
      rest = rest.replace(/\s+#.*$/, '').trim();
      out[key] = expand(rest);
    }
  }
  return out;
}

/**
 * The variables to give the app: the file's, minus OTEL_* (the smoke test sets those) and minus what
 * the shell sets (it wins, as in python-dotenv).
 */
export function appEnvironment(
  fileVars: Record<string, string>,
  environ: Record<string, string | undefined>,
): { env: Record<string, string>; dropped: string[] } {
  const env: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(fileVars)) {
    if (k.startsWith('OTEL_')) dropped.push(k);
    else if (environ[k] === undefined) env[k] = v;
  }
  return { env, dropped };
}

/**
 * What went wrong when importing the app, from its traceback: the exception line (and the lines of a
 * pydantic ValidationError), with the missing settings named.
 */
export function explainImportError(stderr: string): { summary: string; missing: string[] } {
  const lines = stderr
    .replace(/\r/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const tracebackEnd = lines.findLastIndex((l) =>
    /^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b|^[\w.]+: /.test(l),
  );
  const missing: string[] = [];
  const validation = lines.findIndex((l) => /validation errors? for /.test(l));
  if (validation !== -1) {
    for (let i = validation + 1; i + 1 < lines.length; i++) {
      if (/^\S/.test(lines[i]!) && /Field required|missing/i.test(lines[i + 1]!)) missing.push(lines[i]!.trim());
    }
  }
  for (const m of stderr.matchAll(/KeyError: '([A-Z][A-Z0-9_]+)'|environment variable ['"]?([A-Z][A-Z0-9_]+)/g))
    missing.push(m[1] ?? m[2]!);
  const from = validation !== -1 ? validation : Math.max(0, tracebackEnd);
  const summary = lines.slice(from, from + (validation !== -1 ? 7 : 3)).join('\n') || lines.slice(-3).join('\n');
  return { summary, missing: [...new Set(missing)] };
}

export function importFailureMessage(app: string, stderr: string, envFile: string | undefined): string {
  const { summary, missing } = explainImportError(stderr);
  const need = missing.length ? ` — it needs ${missing.map((m) => m.toUpperCase()).join(', ')} set` : '';
  const fix = envFile ? `check ${envFile}` : 'set them in the environment or a .env file, or pass --env-file FILE';
  return `importing ${app} failed${need}; ${fix}:\n${summary}`;
}
