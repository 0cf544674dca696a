/**
 * The variables a service needs to start, from its dotenv file (or --env-file): read the way python-dotenv
 * (and so pydantic-settings) reads it, which dotenv for Node follows too; OTEL_* left to the smoke test.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import type { Ui } from '../core/ui.js';
import { readText } from '../core/read-file.js';

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

/** --env-file, else the project's .env: the variables the app reads at import (the shell's own win). */
export async function readAppEnv(
  root: string,
  envFileFlag: string | undefined,
  ui: Ui,
): Promise<{ env: Record<string, string>; envFile?: string }> {
  const file = envFileFlag ? path.resolve(envFileFlag) : path.join(root, '.env');
  if (!existsSync(file)) {
    if (envFileFlag)
      throw new UsageError(
        `--env-file ${envFileFlag} does not exist; pass an existing dotenv file — nothing was changed`,
      );
    return { env: {} };
  }
  const { env, dropped } = appEnvironment(parseDotenv(await readText(file), process.env), process.env);
  const shown = path.relative(root, file) || file;
  if (dropped.length > 0) ui.info(`${shown}: ${dropped.join(', ')} left out (the smoke test sets OTEL_* itself)`);
  return { env, envFile: shown };
}
