/**
 * The part of PEP 440 the CLI needs: comparing release versions and testing them against specifier
 * sets (`>=3.9,<4`, `~=0.92`, `==3.12.*`). Local versions and epochs are not used by anything we read.
 */

export interface Version {
  release: number[];
  /** Pre-release ('a' | 'b' | 'rc') and its number; undefined for a final release. */
  pre?: [string, number];
}

export function parseVersion(text: string): Version | undefined {
  const m =
    /^\s*v?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?(?:\.post\d+|\.dev\d+)?\s*$/i.exec(
      text,
    );
  if (!m) return undefined;
  const release = m[1]!.split('.').map(Number);
  if (!m[2]) return { release };
  const kind = m[2].toLowerCase();
  const pre = kind.startsWith('a') ? 'a' : kind.startsWith('b') ? 'b' : 'rc';
  return { release, pre: [pre, Number(m[3] || 0)] };
}

function compareRelease(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** Orders two parsed PEP 440 versions by release, then pre-release (a < b < rc < final): negative when a < b. */
export function comparePep440(a: Version, b: Version): number {
  const r = compareRelease(a.release, b.release);
  if (r !== 0) return r;
  if (!a.pre && !b.pre) return 0;
  if (!a.pre) return 1;
  if (!b.pre) return -1;
  const order = ['a', 'b', 'rc'];
  return Math.sign(order.indexOf(a.pre[0]) - order.indexOf(b.pre[0]) || a.pre[1] - b.pre[1]);
}

function satisfiesOne(v: Version, clause: string): boolean {
  const m = /^(===|==|!=|~=|<=|>=|<|>)\s*(.+)$/.exec(clause.trim());
  if (!m) throw new Error(`not a version specifier: ${clause}`);
  const [, op, raw] = m as unknown as [string, string, string];
  if (op === '==' || op === '!=') {
    if (raw.endsWith('.*')) {
      const prefix = raw.slice(0, -2).split('.').map(Number);
      const same = prefix.every((n, i) => (v.release[i] ?? 0) === n);
      return op === '==' ? same : !same;
    }
  }
  const target = parseVersion(raw);
  if (!target) throw new Error(`not a version: ${raw}`);
  const c = comparePep440(v, target);
  switch (op) {
    case '===':
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<=':
      return c <= 0;
    case '>=':
      return c >= 0;
    case '<':
      return c < 0;
    case '>':
      return c > 0;
    default: {
      // ~=X.Y.Z means >=X.Y.Z and ==X.Y.*
      if (target.release.length < 2) throw new Error(`~= needs at least two release numbers: ${clause}`);
      const prefix = target.release.slice(0, -1);
      return c >= 0 && prefix.every((n, i) => (v.release[i] ?? 0) === n);
    }
  }
}

/** True when `version` satisfies every clause of the comma-separated specifier set (an empty set allows all). */
export function satisfies(version: string | Version, specifiers: string): boolean {
  const v = typeof version === 'string' ? parseVersion(version) : version;
  if (!v) return false;
  return specifiers
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .every((clause) => satisfiesOne(v, clause));
}

/** Throws on a specifier set this module cannot read (so callers can tell "unknown" from "no"). */
export function isValidSpecifierSet(specifiers: string): boolean {
  try {
    satisfies('0', specifiers);
    return true;
  } catch {
    return false;
  }
}

/** The lowest version a specifier set admits, from its lower bounds (>=, >, ==, ~=); undefined when unbounded. */
export function specifierFloor(specifiers: string): string | undefined {
  let floor: Version | undefined;
  let text: string | undefined;
  for (const clause of specifiers
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(===|==|~=|>=|>)\s*([^*\s]+)$/.exec(clause);
    if (!m) continue;
    const v = parseVersion(m[2]!);
    if (v && (!floor || comparePep440(v, floor) > 0)) {
      floor = v;
      text = m[2]!;
    }
  }
  return text;
}
