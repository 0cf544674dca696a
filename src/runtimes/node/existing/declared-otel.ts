// The OpenTelemetry packages a service declares already, measured against the matched set: moved to it or refused.
import type { NodeOtelSet } from '../../../catalog/node-sets.js';
import { nodeSetVersionOf } from '../../../catalog/node-sets.js';
import type { PackageJson } from './project.js';

const FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;
type Field = (typeof FIELDS)[number];

export interface DeclaredOtel {
  /** Name -> the set's version, for each declared package of the set whose declared spec differs. */
  moves: { name: string; from: string; to: string; field: Field }[];
  /** Declared packages with no release in the set: `name range (field, successor)` each, for the refusal. */
  outside: string[];
}

function isOtel(name: string): boolean {
  // semantic-conventions: its own release line, constants only, no peer; any version lives beside the set's.
  return (
    (name.startsWith('@opentelemetry/') || name === '@fastify/otel') && name !== '@opentelemetry/semantic-conventions'
  );
}

/** A 0.x version's minor is its major: 0.34 -> 0.300 is as breaking as 1.x -> 3.x. */
function line(version: string): string {
  const m = /(\d+)\.(\d+)/.exec(version);
  if (!m) return version;
  return m[1] === '0' ? `0.${m[2]}` : m[1]!;
}

/** Each @opentelemetry/* and @fastify/otel dependency of package.json against `set`. */
export function declaredOtel(
  data: PackageJson & { optionalDependencies?: Record<string, string> },
  set: NodeOtelSet,
): DeclaredOtel {
  const moves: DeclaredOtel['moves'] = [];
  const outside: string[] = [];
  for (const field of FIELDS) {
    for (const [name, spec] of Object.entries(data[field] ?? {})) {
      if (!isOtel(name)) continue;
      const version = nodeSetVersionOf(set, name);
      const where = field === 'dependencies' ? '' : ` (${field})`;
      if (version === undefined) {
        const successor = set.retired[name];
        const took = successor ? `, ${successor} ${nodeSetVersionOf(set, successor)} took its place` : '';
        outside.push(
          `${name} ${spec}${where === '' && !took ? '' : ` (${`${where.slice(2, -1)}${took}`.replace(/^, /, '')})`}`,
        );
      } else if (spec !== version) moves.push({ name, from: spec, to: version, field });
    }
  }
  return { moves, outside };
}

/** Whether a move crosses a breaking line (code that uses the package may need changes). */
export function crossesMajor(from: string, to: string): boolean {
  const declared = /\d+\.\d+/.exec(from)?.[0];
  return declared !== undefined && line(declared) !== line(to);
}
