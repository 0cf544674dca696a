/**
 * The pairing rule of OpenTelemetry JS, checked on declared ranges: the stable packages (core, resources,
 * sdk-trace-*, sdk-metrics) of 2.M / 3.M are released with the experimental ones (sdk-node, exporters,
 * instrumentation) of 0.(200+M) / 0.(300+M); one line of each, paired. A package is stable or
 * experimental by its version: sdk-logs was 0.x beside 2.x and is 3.x now.
 */
/** Packages of the core repository, stable or experimental by their version (sdk-logs moved to 3.x). */
const CORE_REPO = new RegExp(
  '^@opentelemetry/(sdk-node|exporter-.*|instrumentation|instrumentation-(http|grpc|fetch|xml-http-request)' +
    '|api-logs|sdk-logs|sdk-events|api-events|otlp-.*|configuration|core|resources|sdk-trace|sdk-trace-base' +
    '|sdk-trace-node|sdk-trace-web|sdk-metrics|context-async-hooks|propagator-b3|propagator-jaeger|shim-opentracing)$',
);

function versionOf(range: string): [number, number, number] | undefined {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(range);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** A one-line description of the first mismatch among the declared @opentelemetry/* ranges, or undefined. */
export function otelVersionProblem(deps: Record<string, string>): string | undefined {
  const stable: [string, string, [number, number, number]][] = [];
  const experimental: [string, string, [number, number, number]][] = [];
  for (const [name, range] of Object.entries(deps)) {
    const v = versionOf(range);
    if (!v) continue;
    if (!CORE_REPO.test(name)) continue;
    if (v[0] >= 1) stable.push([name, range, v]);
    else experimental.push([name, range, v]);
  }
  const first = stable[0];
  for (const s of stable) {
    if (first && (s[2][0] !== first[2][0] || s[2][1] !== first[2][1]))
      return `${s[0]} ${s[1]} and ${first[0]} ${first[1]} are different releases of the stable packages`;
  }
  const exp = experimental[0];
  for (const e of experimental) {
    if (exp && e[2][1] !== exp[2][1])
      return `${e[0]} ${e[1]} and ${exp[0]} ${exp[1]} are different releases of the experimental packages`;
  }
  if (first && exp && first[2][0] >= 2) {
    const expected = first[2][0] * 100 + first[2][1];
    if (exp[2][0] !== 0 || exp[2][1] !== expected)
      return `${exp[0]} ${exp[1]} was not released with ${first[0]} ${first[1]} (that is 0.${expected}.x)`;
  }
  if (first && exp && first[2][0] === 1 && exp[2][1] >= 200)
    return `${exp[0]} ${exp[1]} belongs to the 2.x line, not to ${first[0]} ${first[1]}`;
  return undefined;
}
