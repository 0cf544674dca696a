/**
 * Matched OpenTelemetry JS release sets for the Node runtime.
 *
 * The stable packages (@opentelemetry/core, sdk-trace, resources, sdk-metrics, sdk-logs) are released
 * as 3.M.p together with the experimental ones (sdk-node, exporters, instrumentation, instrumentation-http)
 * as 0.(300+M).p, and each experimental release pins the stable ones exactly. The contrib
 * instrumentations (instrumentation-express, ...) are released apart and depend on
 * `@opentelemetry/instrumentation` with a caret range, which on a 0.x version admits one minor only
 * (^0.300.0 = 0.300.x): a set is matched when every contrib instrumentation's range admits its
 * experimental version. Otherwise npm installs a second @opentelemetry/instrumentation beside the SDK's.
 */

export interface NodeOtelSet {
  /** @opentelemetry/core and the other stable packages. */
  stable: string;
  /** @opentelemetry/sdk-node, the OTLP exporters, @opentelemetry/instrumentation(-http). */
  experimental: string;
  /** @opentelemetry/api accepted by every package of the set. */
  api: string;
  /** Contrib instrumentations: exact version, and the @opentelemetry/instrumentation range it declares. */
  contrib: Record<string, { version: string; instrumentation: string }>;
  /**
   * Packages that declare an older @opentelemetry line than the set's and patch nothing themselves: the
   * generated package.json overrides those dependencies to the set's versions (npm `overrides`), so npm
   * installs one copy of each instead of a second release beside the SDK's.
   */
  realigned?: Record<string, { version: string; declares: Record<string, string> }>;
  /**
   * Every package released together with the set (checked on the registry), by line: a service that
   * declares one already gets the set's version of it, or npm meets two lines (and ERESOLVE on the api peer).
   */
  released: { stable: readonly string[]; experimental: readonly string[] };
  /** Packages of earlier lines with no release in the set, and what took their place. */
  retired: Record<string, string>;
  /** Frameworks, types and tools verified with this set. */
  thirdParty: Record<string, string>;
  /** Lowest Node every package of the set declares in `engines`. */
  minNode: string;
}

export const NODE_OTEL_SETS = {
  // 3.1/0.301 is newer, but instrumentation-express 0.72.0 (the latest) still depends on ^0.300.0.
  '3.0': {
    stable: '3.0.0',
    experimental: '0.300.0',
    api: '1.10.0',
    contrib: {
      '@opentelemetry/instrumentation-express': { version: '0.72.0', instrumentation: '^0.300.0' },
    },
    realigned: {
      // A service that already uses it keeps it, at this version. 0.21.2, the latest, declares the 2.x line;
      // it calls only InstrumentationBase's API and core's getRPCMetadata, both kept by 0.300/3.0.
      '@fastify/otel': {
        version: '0.21.2',
        declares: { '@opentelemetry/core': '^2.0.0', '@opentelemetry/instrumentation': '^0.222.0' },
      },
    },
    released: {
      stable: [
        '@opentelemetry/context-async-hooks',
        '@opentelemetry/core',
        '@opentelemetry/exporter-zipkin',
        '@opentelemetry/propagator-b3',
        '@opentelemetry/resources',
        '@opentelemetry/sdk-logs',
        '@opentelemetry/sdk-metrics',
        '@opentelemetry/sdk-trace',
      ],
      experimental: [
        '@opentelemetry/configuration',
        '@opentelemetry/exporter-logs-otlp-grpc',
        '@opentelemetry/exporter-logs-otlp-http',
        '@opentelemetry/exporter-logs-otlp-proto',
        '@opentelemetry/exporter-metrics-otlp-grpc',
        '@opentelemetry/exporter-metrics-otlp-http',
        '@opentelemetry/exporter-metrics-otlp-proto',
        '@opentelemetry/exporter-prometheus',
        '@opentelemetry/exporter-trace-otlp-grpc',
        '@opentelemetry/exporter-trace-otlp-http',
        '@opentelemetry/exporter-trace-otlp-proto',
        '@opentelemetry/instrumentation',
        '@opentelemetry/instrumentation-fetch',
        '@opentelemetry/instrumentation-grpc',
        '@opentelemetry/instrumentation-http',
        '@opentelemetry/otlp-exporter-base',
        '@opentelemetry/otlp-grpc-exporter-base',
        '@opentelemetry/otlp-transformer',
        '@opentelemetry/sdk-node',
      ],
    },
    retired: {
      // Their last releases (2.x) peer-depend on @opentelemetry/api <1.10.0.
      '@opentelemetry/sdk-trace-base': '@opentelemetry/sdk-trace',
      '@opentelemetry/sdk-trace-node': '@opentelemetry/sdk-trace',
    },
    thirdParty: {
      express: '5.3.0',
      fastify: '5.12.8',
      '@types/express': '5.0.6',
      '@types/node': '24.10.1',
      typescript: '5.9.3',
    },
    minNode: '22.15.0',
  },
} as const satisfies Record<string, NodeOtelSet>;

export type NodeOtelSetName = keyof typeof NODE_OTEL_SETS;
export const DEFAULT_NODE_SET: NodeOtelSetName = '3.0';

/** The experimental 0.x line released with stable 3.M (0.(300+M)); undefined for other major lines. */
export function experimentalLineFor(stable: string): string | undefined {
  const [major, minor] = stable.split('.').map(Number);
  return major === 3 && Number.isInteger(minor) ? `0.${300 + minor!}` : undefined;
}

/** Whether a caret range on a 0.x version (^0.M.p) admits `version` (0.M.q with q >= p). */
export function caretAdmits(range: string, version: string): boolean {
  const r = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  const v = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!r || !v) return false;
  const [rMajor, rMinor, rPatch] = r.slice(1).map(Number) as [number, number, number];
  const [vMajor, vMinor, vPatch] = v.slice(1).map(Number) as [number, number, number];
  if (rMajor !== vMajor) return false;
  if (rMajor > 0) return vMinor > rMinor || (vMinor === rMinor && vPatch >= rPatch);
  return vMinor === rMinor && vPatch >= rPatch;
}

/** Why a set is not matched, or undefined: the pairing rule above, checked for every package. */
export function nodeSetProblem(set: NodeOtelSet): string | undefined {
  const line = experimentalLineFor(set.stable);
  if (!line || !set.experimental.startsWith(`${line}.`)) {
    return `experimental ${set.experimental} was not released with stable ${set.stable} (expected ${line ?? '?'}.x)`;
  }
  for (const [name, c] of Object.entries(set.contrib)) {
    if (!caretAdmits(c.instrumentation, set.experimental)) {
      const needs = `@opentelemetry/instrumentation ${c.instrumentation}`;
      return `${name}@${c.version} depends on ${needs}, not ${set.experimental}`;
    }
  }
  return undefined;
}

export function nodeOtelSet(name: NodeOtelSetName = DEFAULT_NODE_SET): NodeOtelSet {
  return NODE_OTEL_SETS[name];
}

/** Exact versions of the npm packages a service of this set installs: the SDK ones plus `extra` by name. */
export function nodeDependencies(set: NodeOtelSet, extra: readonly string[]): Record<string, string> {
  const deps: Record<string, string> = {
    '@opentelemetry/api': set.api,
    // W3C trace context where no SDK runs (worker threads); the route recorded for the server span.
    '@opentelemetry/core': set.stable,
    '@opentelemetry/instrumentation': set.experimental,
    '@opentelemetry/instrumentation-http': set.experimental,
    '@opentelemetry/resources': set.stable,
    '@opentelemetry/sdk-node': set.experimental,
    // The in-memory exporter for the service's own tests; sdk-node depends on the same version.
    '@opentelemetry/sdk-trace': set.stable,
  };
  for (const name of extra) deps[name] = pinOf(set, name);
  return Object.fromEntries(Object.entries(deps).sort(([a], [b]) => a.localeCompare(b)));
}

/** Exact versions of the given packages of the set (types, tools, the framework), by name. */
export function nodePins(set: NodeOtelSet, names: readonly string[]): Record<string, string> {
  return Object.fromEntries([...names].sort().map((name) => [name, pinOf(set, name)]));
}

function pinOf(set: NodeOtelSet, name: string): string {
  const version = set.contrib[name]?.version ?? set.realigned?.[name]?.version ?? set.thirdParty[name];
  if (!version) throw new Error(`no pinned version of ${name} in the Node OpenTelemetry set ${set.stable}`);
  return version;
}

/**
 * The set's version of an OpenTelemetry package (or @fastify/otel) by name; undefined when the set has no
 * release of it. @opentelemetry/semantic-conventions is released on its own line, holds constants only and
 * declares no peer: any version a service declares lives beside the set's, so it has no set version.
 */
export function nodeSetVersionOf(set: NodeOtelSet, name: string): string | undefined {
  if (name === '@opentelemetry/api') return set.api;
  if (set.released.stable.includes(name)) return set.stable;
  if (set.released.experimental.includes(name)) return set.experimental;
  return set.contrib[name]?.version ?? set.realigned?.[name]?.version;
}

/** npm `overrides` for the realigned packages among `names`: each declared @opentelemetry dependency at the set's version. */
export function nodeOverrides(set: NodeOtelSet, names: readonly string[]): Record<string, Record<string, string>> {
  const inSet = nodeDependencies(set, []);
  const out: Record<string, Record<string, string>> = {};
  for (const name of [...names].sort()) {
    const realigned = set.realigned?.[name];
    if (!realigned) continue;
    out[name] = Object.fromEntries(
      Object.keys(realigned.declares)
        .sort()
        .map((dep) => {
          const version = inSet[dep];
          if (!version)
            throw new Error(`${name} declares ${dep}, which the Node OpenTelemetry set ${set.stable} does not pin`);
          return [dep, version];
        }),
    );
  }
  return out;
}
