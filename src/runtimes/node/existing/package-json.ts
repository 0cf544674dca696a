/**
 * package.json edited the way npm itself writes it: the file's own indentation, line endings and final
 * newline, every key where it was; a new dependency goes where a sorted list puts it (at the end of an
 * unsorted one), a dependency declared already gets the pin in its place.
 */

type Json = Record<string, unknown>;

export interface PackageJsonEdit {
  /** Exact versions for `dependencies` (taken out of devDependencies when declared there). */
  dependencies?: Record<string, string>;
  /** Exact versions for packages declared already, set in place wherever declared (a dev dependency stays one). */
  align?: Record<string, string>;
  scripts?: Record<string, string>;
  /** Top-level keys merged as `key -> entry -> value` (npm `overrides`, yarn `resolutions`, `pnpm`). */
  merge?: Record<string, Record<string, unknown>>;
}

function indentOf(text: string): string | number {
  const m = /^[{[]\r?\n([ \t]+)\S/.exec(text);
  return m ? m[1]! : 2;
}

function isSorted(keys: string[]): boolean {
  return keys.every((k, i) => i === 0 || keys[i - 1]!.localeCompare(k) <= 0);
}

/** `record` with `key` set: in place when present, else at its sorted place (or last when unsorted). */
function withKey(record: Record<string, string>, key: string, value: string): Record<string, string> {
  if (key in record) return { ...record, [key]: value };
  const keys = Object.keys(record);
  if (!isSorted(keys)) return { ...record, [key]: value };
  const entries = Object.entries(record);
  const at = entries.findIndex(([k]) => k.localeCompare(key) > 0);
  entries.splice(at < 0 ? entries.length : at, 0, [key, value]);
  return Object.fromEntries(entries);
}

export function editPackageJson(original: string, edit: PackageJsonEdit): string {
  // A byte-order mark (some Windows editors write one) is kept; JSON.parse does not accept it.
  const bom = original.startsWith('\uFEFF') ? '\uFEFF' : '';
  const text = original.slice(bom.length);
  const data = JSON.parse(text) as Json;
  const out: Json = { ...data };
  if (edit.dependencies) {
    let deps = { ...((data.dependencies as Record<string, string> | undefined) ?? {}) };
    let dev = data.devDependencies as Record<string, string> | undefined;
    for (const [name, version] of Object.entries(edit.dependencies)) {
      deps = withKey(deps, name, version);
      if (dev && name in dev) {
        dev = { ...dev };
        delete dev[name];
      }
    }
    out.dependencies = deps;
    if (dev) out.devDependencies = dev;
  }
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    const record = out[field] as Record<string, string> | undefined;
    const names = Object.keys(edit.align ?? {}).filter((n) => record && n in record);
    if (names.length > 0) out[field] = { ...record, ...Object.fromEntries(names.map((n) => [n, edit.align![n]!])) };
  }
  if (edit.scripts) {
    let scripts = { ...((data.scripts as Record<string, string> | undefined) ?? {}) };
    for (const [name, command] of Object.entries(edit.scripts)) scripts = withKey(scripts, name, command);
    out.scripts = scripts;
  }
  for (const [key, entries] of Object.entries(edit.merge ?? {})) {
    const current = out[key];
    const base = current && typeof current === 'object' && !Array.isArray(current) ? (current as Json) : {};
    out[key] = { ...base, ...entries };
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const body = JSON.stringify(out, null, indentOf(text)).replace(/\n/g, eol);
  return `${bom}${body}${/\r?\n$/.test(text) ? eol : ''}`;
}

/** The file would be written back differently by JSON.stringify alone (inline arrays, unusual spacing). */
export function isCanonical(original: string): boolean {
  const text = original.replace(/^\uFEFF/, '');
  try {
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const again = JSON.stringify(JSON.parse(text), null, indentOf(text)).replace(/\n/g, eol);
    return text.replace(/\r?\n$/, '') === again;
  } catch {
    return false;
  }
}
