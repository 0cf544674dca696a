/**
 * Matched OpenTelemetry Python release sets.
 *
 * The API/SDK/exporters are released as 1.N.p and the contrib instrumentations built against them as
 * 0.(N+21)b<p>: each instrumentation release depends on `opentelemetry-semantic-conventions` and
 * `opentelemetry-instrumentation` of the same 0.(N+21) line, which in turn pin the API 1.N line.
 * Mixing lines is what makes `pip` resolve an SDK and instrumentation that fall out of step.
 */

import { compareDotted } from '../core/dotted-version.js';

export const CONTRIB_MINOR_OFFSET = 21;

export interface OtelLine {
  /** opentelemetry-api, -sdk and -exporter-otlp-* version. */
  sdk: string;
  /** opentelemetry-instrumentation-* version released against `sdk`. */
  contrib: string;
  /**
   * Frameworks, servers and test tools verified to install with this line. They are pinned per line
   * because frameworks move too: fastapi 0.142 and later require opentelemetry-api >= 1.44.
   */
  thirdParty: Record<string, string>;
  /**
   * Contrib instrumentations that were not re-released in this line's latest patch (`contrib`). Each
   * contrib release pins `opentelemetry-semantic-conventions` exactly, and so does the SDK, so such an
   * instrumentation cannot be installed next to `sdk` at all: a service that needs one gets this earlier
   * matched pair of the same line instead (see `matchedSetFor`).
   */
  previousPatch?: { sdk: string; contrib: string; for: readonly string[] };
}

const CURRENT_THIRD_PARTY = {
  fastapi: '0.165.0',
  uvicorn: '0.54.0',
  pytest: '9.2.0',
  httpx: '0.28.1',
  starlette: '1.10.0',
  // starlette.testclient prefers httpx2 from Starlette 1.x on (plain httpx is deprecated there).
  httpx2: '2.16.2',
  flask: '3.1.3',
  gunicorn: '27.0.1',
  // Django 5.2 is the LTS release that still runs on Python 3.11 (6.0 needs 3.12).
  django: '5.2.19',
};

export const OTEL_LINES = {
  '1.45': {
    sdk: '1.45.2',
    contrib: '0.66b2',
    thirdParty: CURRENT_THIRD_PARTY,
    // 0.66b2 re-released only some instrumentations; these two exist up to 0.66b1 (with SDK 1.45.1).
    previousPatch: {
      sdk: '1.45.1',
      contrib: '0.66b1',
      for: ['opentelemetry-instrumentation-starlette', 'opentelemetry-instrumentation-flask'],
    },
  },
  '1.44': { sdk: '1.44.0', contrib: '0.65b0', thirdParty: CURRENT_THIRD_PARTY },
  '1.42': { sdk: '1.42.1', contrib: '0.63b1', thirdParty: { ...CURRENT_THIRD_PARTY, fastapi: '0.141.1' } },
  '1.39': { sdk: '1.39.1', contrib: '0.60b1', thirdParty: { ...CURRENT_THIRD_PARTY, fastapi: '0.141.1' } },
} as const satisfies Record<string, OtelLine>;

export type OtelLineName = keyof typeof OTEL_LINES;
export const DEFAULT_OTEL_LINE: OtelLineName = '1.45';

/** The contrib 0.M line that pairs with SDK line 1.N (M = N + 21). */
export function contribLineFor(sdkVersion: string): string {
  const minor = Number(sdkVersion.split('.')[1]);
  return `0.${minor + CONTRIB_MINOR_OFFSET}`;
}

/** True when `contrib` was released against `sdk` (same patch train, see the rule above). */
export function isMatchedPair(sdk: string, contrib: string): boolean {
  const line = contribLineFor(sdk);
  return contrib.startsWith(`${line}b`);
}

export interface PythonPackage {
  name: string;
  version: string;
}

/**
 * The matched set a service installs on `line`, given the distributions it needs: the line itself, or
 * its `previousPatch` when one of them was not re-released in the latest patch.
 */
export function matchedSetFor(line: OtelLine, distributions: readonly string[]): OtelLine {
  const previous = line.previousPatch;
  if (!previous || !distributions.some((d) => previous.for.includes(d))) return line;
  return { ...line, sdk: previous.sdk, contrib: previous.contrib };
}

/** An exact pin for a third-party distribution on a line; a missing pin is a bug in this table. */
export function pin(line: OtelLine, name: string): PythonPackage {
  const version = line.thirdParty[name];
  if (!version) throw new Error(`no pinned version of ${name} for OpenTelemetry ${line.sdk}`);
  return { name, version };
}

export function otelLine(name: string): OtelLine {
  const line = (OTEL_LINES as Record<string, OtelLine>)[name];
  if (!line) throw new Error(`unknown OpenTelemetry line ${name}; known: ${Object.keys(OTEL_LINES).join(', ')}`);
  return line;
}

/** The SDK-side packages every generated service needs, whatever its framework. */
export function corePackages(line: OtelLine, exporter: 'otlp-grpc' | 'otlp-http' | 'console'): PythonPackage[] {
  const pkgs: PythonPackage[] = [
    { name: 'opentelemetry-api', version: line.sdk },
    { name: 'opentelemetry-sdk', version: line.sdk },
  ];
  // Both OTLP exporters, whatever --exporter says: OTEL_EXPORTER_OTLP_PROTOCOL picks one at run time, and
  // OTEL_{TRACES,METRICS,LOGS}_EXPORTER=otlp can turn a console project's signals to OTLP. Each ships the
  // trace, metric and log exporters of its protocol; the SDK has the providers of all three signals.
  void exporter;
  pkgs.push({ name: 'opentelemetry-exporter-otlp-proto-grpc', version: line.sdk });
  pkgs.push({ name: 'opentelemetry-exporter-otlp-proto-http', version: line.sdk });
  // Process and CPython runtime metrics (CPU time, memory, threads, GC), released with each contrib line.
  pkgs.push({ name: 'opentelemetry-instrumentation-system-metrics', version: line.contrib });
  return pkgs;
}

/**
 * What each line installs on, from the PyPI metadata of its releases: the lowest Python its
 * `opentelemetry-sdk` and contrib wheels accept (`Requires-Python`) and, per framework, the versions its
 * instrumentation's `instruments` extra accepts (PEP 440).
 */
export const LINE_COMPAT: Record<OtelLineName, { python: string; instruments: Record<string, string> }> = {
  '1.45': { python: '3.10', instruments: { fastapi: '~=0.92', starlette: '>=0.13', flask: '>=1.0', django: '>=2.0' } },
  '1.44': { python: '3.10', instruments: { fastapi: '~=0.92', starlette: '>=0.13', flask: '>=1.0', django: '>=2.0' } },
  '1.42': { python: '3.10', instruments: { fastapi: '~=0.92', starlette: '>=0.13', flask: '>=1.0', django: '>=2.0' } },
  '1.39': { python: '3.9', instruments: { fastapi: '~=0.92', starlette: '>=0.13', flask: '>=1.0', django: '>=1.10' } },
};

/**
 * Frameworks that themselves require a minimum OpenTelemetry API: fastapi 0.142.0 and later declare
 * `opentelemetry-api>=1.44.0`, so a project locked on such a FastAPI cannot take an older line.
 */
export const FRAMEWORK_NEEDS_API: { name: string; from: string; api: string }[] = [
  { name: 'fastapi', from: '0.142.0', api: '1.44' },
];

/**
 * FastAPI 0.142 and later trace themselves (`FastAPI(telemetry={...})`, the fastapi.telemetry package):
 * a server span named after the route, the stable HTTP attributes and http.server.request.duration, for
 * less CPU per request than FastAPIInstrumentor's ASGI middleware (bench/RESULTS.md, part 2).
 */
export const FASTAPI_NATIVE_TELEMETRY_FROM = '0.142.0';

/** True when `version` of FastAPI has its own OpenTelemetry instrumentation. */
export function fastapiHasNativeTelemetry(version: string): boolean {
  return compareDotted(version, FASTAPI_NATIVE_TELEMETRY_FROM) >= 0;
}

/** True when the FastAPI a line pins traces itself, so the line needs no opentelemetry-instrumentation-fastapi. */
export function fastapiTracesItself(line: OtelLine): boolean {
  const fastapi = line.thirdParty.fastapi;
  return fastapi !== undefined && fastapiHasNativeTelemetry(fastapi);
}

/** Lowest Python each line's SDK installs on. */
export const LINE_MIN_PYTHON: Partial<Record<OtelLineName, string>> = Object.fromEntries(
  Object.entries(LINE_COMPAT).map(([line, compat]) => [line, compat.python]),
);
