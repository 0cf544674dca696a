/**
 * Django's entry points: manage.py's execute_from_command_line(), the WSGI and ASGI modules'
 * get_*_application(). Each gets the telemetry import and instrument_django() right before that call
 * (after DJANGO_SETTINGS_MODULE is set, before the handler reads settings.MIDDLEWARE), and the ASGI
 * handler is wrapped so the server's lifespan shutdown flushes. Pure text insertions, like patch.ts.
 */
import { TELEMETRY_BINDING } from './frameworks.js';
import type { AnalyzedFile } from './types.js';
import { byteColToIndex, splitKeep } from './source-text.js';

const COMMENT = '# noqa: E402 - create-traced-service: before Django builds its handler';

interface Entry {
  line: number;
  indent: string;
  function: string | null;
  /** get_asgi_application(): wrapped with asgi_with_flush() unless it is already. */
  wrap?: { line: number; col: number; endLine: number; endCol: number };
}

export function djangoEntries(file: AnalyzedFile): Entry[] {
  const entries: Entry[] = [];
  for (const a of file.apps ?? []) {
    if (a.framework !== 'django' || !a.statementStartsLine) continue;
    entries.push({
      line: a.line,
      indent: a.indent,
      function: a.function,
      ...(a.constructor === 'get_asgi_application' && !a.wrapped ? { wrap: a.call } : {}),
    });
  }
  for (const c of file.djangoCommands ?? []) entries.push({ line: c.line, indent: c.indent, function: c.function });
  return entries.sort((x, y) => x.line - y.line);
}

/** The edited text of one entry-point file, and what was done. */
export function instrumentDjangoEntries(
  original: string,
  file: AnalyzedFile,
  importLine: string,
): { text: string; summary: string[] } {
  const bom = original.startsWith('\uFEFF') ? '\uFEFF' : '';
  const text = original.slice(bom.length);
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = splitKeep(text);
  if (lines.length > 0 && !lines.at(-1)!.endsWith('\n')) lines[lines.length - 1] += nl;
  const before = new Map<number, string[]>();
  const summary: string[] = [];
  const ours = (file.otel ?? []).filter((o) => o.kind === 'ourInstrument');
  const imported = (fn: string | null) =>
    (file.imports ?? []).some(
      (i) => (i.as ?? i.name ?? i.module) === TELEMETRY_BINDING && (i.function === null || i.function === fn),
    );
  for (const e of djangoEntries(file)) {
    if (!ours.some((o) => o.function === e.function && o.line < e.line)) {
      const add: string[] = [];
      if (!imported(e.function)) add.push(`${e.indent}${importLine}  ${COMMENT}${nl}`);
      add.push(`${e.indent}${TELEMETRY_BINDING}.instrument_django()${nl}`);
      before.set(e.line - 1, [...(before.get(e.line - 1) ?? []), ...add]);
      summary.push(`instruments Django before line ${e.line} builds its handler`);
    }
    if (e.wrap) {
      const w = e.wrap;
      const start = lines[w.line - 1]!;
      const s = byteColToIndex(start, w.col);
      if (w.line === w.endLine) {
        const end = byteColToIndex(start, w.endCol);
        lines[w.line - 1] =
          `${start.slice(0, s)}${TELEMETRY_BINDING}.asgi_with_flush(${start.slice(s, end)})${start.slice(end)}`;
      } else {
        const last = lines[w.endLine - 1]!;
        const end = byteColToIndex(last, w.endCol);
        lines[w.line - 1] = `${start.slice(0, s)}${TELEMETRY_BINDING}.asgi_with_flush(${start.slice(s)}`;
        lines[w.endLine - 1] = `${last.slice(0, end)})${last.slice(end)}`;
      }
      summary.push(`wraps the ASGI handler so lifespan shutdown flushes the spans (line ${w.line})`);
    }
  }
  const out: string[] = [];
  lines.forEach((l, i) => {
    for (const ins of before.get(i) ?? []) out.push(ins);
    out.push(l);
  });
  let result = out.join('');
  if (!text.endsWith('\n') && text !== '' && result.endsWith(nl)) result = result.slice(0, -nl.length);
  return { text: bom + result, summary };
}

/**
 * The module the telemetry module is placed beside: the settings module, or, when that lives in a
 * settings package (config/settings/production.py, or settings/__init__.py), a module at the package's
 * level (config/), so the telemetry module is not one more "settings" file and every settings variant
 * finds it at the same place.
 */
export function telemetryAnchor(settings: AnalyzedFile, files: AnalyzedFile[]): AnalyzedFile {
  const parts = settings.module.split('.');
  const pkg = settings.isPackageInit ? parts : parts.slice(0, -1);
  if (pkg.at(-1) !== 'settings') return settings;
  const pkgDir = settings.isPackageInit
    ? settings.path.replace(/\/?__init__\.py$/, '')
    : settings.path.slice(0, settings.path.lastIndexOf('/'));
  const parentDir = pkgDir.includes('/') ? pkgDir.slice(0, pkgDir.lastIndexOf('/')) : '';
  const parent = pkg.slice(0, -1);
  return {
    ...settings,
    path: parentDir ? `${parentDir}/settings.py` : 'settings.py',
    module: [...parent, 'settings'].join('.'),
    isPackageInit: false,
    packageDir: files.some((f) => f.path === (parentDir ? `${parentDir}/__init__.py` : '__init__.py')),
  };
}
