/** When a Python app fails to import: the real error in a few lines, with the missing settings named. */

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
