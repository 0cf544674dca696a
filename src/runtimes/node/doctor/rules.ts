/**
 * nodeFindings(project) -> findings: what is wrong with the OpenTelemetry wiring of an Express or Fastify
 * service, in the guide's terms (the SDK loaded before the framework, one matched set of packages, the
 * server span named by the route, a flush on SIGTERM). Pure: reads only the NodeDoctorView it is given.
 */
import type { Finding } from '../../../pipeline/findings.js';
import { experimentalLineFor } from '../../../catalog/node-sets.js';
import { scanModuleCached } from '../existing/scan.js';
import { otelVersionProblem } from '../existing/versions-check.js';
import { entryOrder, loadedModules, preloadOf, localSource, startsSdk } from './imports.js';
import type { NodeDoctorView, SourceFile } from './view.js';

const OTEL = '@opentelemetry/';
const AUTO = '@opentelemetry/auto-instrumentations-node';

/** Released together as 3.M.p (or 2.M.p), each pinning the others exactly. */
const STABLE = new Set(
  [
    'core',
    'resources',
    'sdk-trace',
    'sdk-trace-base',
    'sdk-trace-node',
    'sdk-metrics',
    'sdk-logs',
    'context-async-hooks',
    'propagator-b3',
    'propagator-jaeger',
    'exporter-zipkin',
  ].map((n) => OTEL + n),
);

/** Released together as 0.N.p from the same repository (the SDK, OTLP exporters, the instrumentation base). */
function isExperimental(name: string): boolean {
  const short = name.slice(OTEL.length);
  return (
    name.startsWith(OTEL) &&
    ([
      'sdk-node',
      'instrumentation',
      'instrumentation-http',
      'instrumentation-grpc',
      'api-logs',
      'configuration',
    ].includes(short) ||
      /^exporter-(?:trace|metrics|logs)-otlp-/.test(short) ||
      short.startsWith('otlp-'))
  );
}

function allDeps(p: NodeDoctorView): Record<string, string> {
  return { ...p.packageJson.devDependencies, ...p.packageJson.dependencies };
}

const bare = (range: string) => range.replace(/^[\^~=v]+/, '').trim();
const majorMinor = (v: string) => v.split('.').slice(0, 2).join('.');

/** One matched set: stable packages on one 3.M (or 2.M), experimental ones on one 0.N, and N = 300 + M on 3.x. */
export function versionFindings(p: NodeDoctorView): Finding[] {
  const deps = allDeps(p);
  const findings: Finding[] = [];
  const stable = Object.entries(deps).filter(([n]) => STABLE.has(n));
  const experimental = Object.entries(deps).filter(([n]) => isExperimental(n));
  const lines = (entries: [string, string][]) => new Set(entries.map(([, v]) => majorMinor(bare(v))));
  const describe = (entries: [string, string][]) => entries.map(([n, v]) => `${n}@${v}`).join(', ');
  const stableLines = lines(stable);
  const experimentalLines = lines(experimental);
  if (stableLines.size > 1 || experimentalLines.size > 1) {
    findings.push({
      code: 'node.otel.mixed-lines',
      severity: 'error',
      where: 'package.json',
      message: `OpenTelemetry packages from different releases: ${describe(
        stableLines.size > 1 ? stable : experimental,
      )}`,
      fix:
        'pin every @opentelemetry/* package of one release: the stable ones on one 3.M.p, ' +
        'the 0.x ones on the 0.(300+M).p released with it',
    });
  } else if (stableLines.size === 1 && experimentalLines.size === 1) {
    const [s] = [...stableLines];
    const [e] = [...experimentalLines];
    const released = experimentalLineFor(s!);
    if (released && e !== released) {
      findings.push({
        code: 'node.otel.mixed-lines',
        severity: 'error',
        where: 'package.json',
        message:
          `the stable OpenTelemetry packages are ${s}.x but the 0.x ones are ${e}.x ` +
          `(released with ${s}: ${released}.x)`,
        fix: `pin the 0.x packages (sdk-node, exporters, instrumentation) on ${released}.x`,
      });
    }
  }
  // The 2.x line pairs the same way (0.(200+M)); and a stable major mixed with another.
  const older = findings.length === 0 ? otelVersionProblem(deps) : undefined;
  if (older) {
    findings.push({
      code: 'node.otel.mixed-lines',
      severity: 'error',
      where: 'package.json',
      message: `OpenTelemetry packages from different releases: ${older}`,
      fix: 'pin every @opentelemetry/* package of one release: the stable 2.x/3.x ones with the 0.x line released with them',
    });
  }
  const ranged = [...stable, ...experimental].filter(([, v]) => /^[\^~]/.test(v.trim()));
  if (ranged.length > 0) {
    findings.push({
      code: 'node.otel.unpinned',
      severity: 'warning',
      where: 'package.json',
      message: `OpenTelemetry packages with version ranges: ${describe(ranged)}; an install can mix releases`,
      fix: 'pin exact versions and commit the lockfile',
    });
  }
  if (p.instrumentationCopies.length > 1) {
    findings.push({
      code: 'node.otel.duplicate-instrumentation',
      severity: 'warning',
      message:
        `npm installed ${p.instrumentationCopies.length} copies of @opentelemetry/instrumentation ` +
        `(${p.instrumentationCopies.map((c) => `${c.version} in ${c.path}`).join(', ')}): ` +
        'an instrumentation depends on another release than the SDK',
      fix:
        'use the contrib instrumentation release that depends on the SDK’s @opentelemetry/instrumentation ' +
        'version (npm ls @opentelemetry/instrumentation shows which)',
    });
  }
  return findings;
}

/** The packages that make the server span: the SDK, the HTTP instrumentation, the framework's route. */
export function packageFindings(p: NodeDoctorView): Finding[] {
  const deps = allDeps(p);
  const has = (name: string) => name in deps;
  const findings: Finding[] = [];
  const where = 'package.json';
  if (!has(`${OTEL}sdk-node`) && !has(`${OTEL}sdk-trace-node`) && !has(AUTO)) {
    findings.push({
      code: 'node.sdk.missing',
      severity: 'error',
      where,
      message: 'no OpenTelemetry SDK among the dependencies: nothing records or exports spans',
      fix: 'add @opentelemetry/sdk-node and start it from a module loaded with node --import',
    });
  }
  if (!has(`${OTEL}instrumentation-http`) && !has(AUTO)) {
    findings.push({
      code: 'node.http.missing',
      severity: 'error',
      where,
      message:
        'no @opentelemetry/instrumentation-http: incoming requests get no server span and no traceparent is continued',
      fix: 'add @opentelemetry/instrumentation-http of the SDK’s release to the SDK’s instrumentations',
    });
  }
  if (has('express') && !has(`${OTEL}instrumentation-express`) && !has(AUTO)) {
    findings.push({
      code: 'node.express.no-route',
      severity: 'warning',
      where,
      message: 'Express without @opentelemetry/instrumentation-express: server spans are named "GET", not by the route',
      fix: 'add @opentelemetry/instrumentation-express (ignoreLayersType: middleware, router, request_handler)',
    });
  }
  if (has('fastify') && has(`${OTEL}instrumentation-fastify`)) {
    findings.push({
      code: 'node.fastify.contrib',
      severity: 'warning',
      where,
      message: 'the contrib @opentelemetry/instrumentation-fastify is deprecated: use @fastify/otel',
      fix: 'replace it with @fastify/otel (new FastifyOtelInstrumentation({ registerOnInitialization: true }))',
    });
  } else if (has('fastify') && !has('@fastify/otel') && !hooksEveryFastify(p)) {
    findings.push({
      code: 'node.fastify.no-route',
      severity: 'warning',
      where,
      message: 'Fastify without @fastify/otel or a route hook: server spans are named "GET", not by the route',
      fix:
        'record request.routeOptions.url as the route (getRPCMetadata(context.active()).route) in an onRequest ' +
        'hook added on the fastify.initialization channel, or add @fastify/otel with registerOnInitialization: true',
    });
  }
  return findings;
}

/** The SDK must start before the framework is loaded: with --import, or first in the entry module. */
export function startFindings(p: NodeDoctorView): Finding[] {
  const script = p.packageJson.scripts?.start ?? '';
  const preload = script ? preloadOf(script) : undefined;
  if (preload) return [];
  if (!p.entry) return [];
  const { sdk, framework } = entryOrder(p.entry, p.sources);
  const at = (line: number) => `${p.entry!.path}:${line}`;
  const fix =
    'start the SDK in its own module and load it first: node --import ./dist/telemetry.js <entry> ' +
    '(start script and Dockerfile)';
  if (!sdk) {
    const anywhere = p.sources.some((s) => startsSdk(s));
    return [
      {
        code: 'node.start.no-sdk',
        severity: anywhere ? 'error' : 'warning',
        where: p.entry.path,
        message: anywhere
          ? `the start script runs ${p.entry.path} without --import, and it does not load the SDK before the app`
          : `nothing starts the OpenTelemetry SDK: the start script has no --import and ${p.entry.path} loads no SDK`,
        fix,
      },
    ];
  }
  // Static imports are evaluated before the module's body, so a framework imported statically comes
  // before an SDK loaded by require()/import() whatever the lines say.
  const frameworkFirst =
    framework &&
    ((framework.how === 'import' && sdk.how === 'call') || (framework.how === sdk.how && framework.line < sdk.line));
  if (framework && frameworkFirst) return [sdkAfter(at(framework.line), framework.specifier, fix)];
  return [
    {
      code: 'node.start.no-preload',
      severity: 'warning',
      where: at(sdk.line),
      message:
        `the SDK starts from an import in ${p.entry.path}, not with --import: CommonJS modules are patched, ` +
        'ESM-only packages are not (the loader hook registers too late)',
      fix,
    },
  ];
}

function sdkAfter(where: string, framework: string, fix: string): Finding {
  return {
    code: 'node.start.sdk-after-framework',
    severity: 'error',
    where,
    message:
      `${framework} is loaded before the OpenTelemetry SDK starts: its instrumentation cannot patch it ` +
      '("module loaded before instrumentation")',
    fix,
  };
}

const scanOf = (s: SourceFile) => scanModuleCached(s.text, s.path);

/** A module subscribes to fastify.initialization: a hook on every instance (the generated route hook). */
function hooksEveryFastify(p: NodeDoctorView): boolean {
  return p.sources.some((s) => scanOf(s).otel.some((o) => o.kind === 'fastify-init-hook'));
}
const flushes = (s: SourceFile | undefined) => Boolean(s && scanOf(s).otel.some((o) => o.kind === 'flush'));

/** The module calls a provider's shutdown()/forceFlush() itself, or through a local module it imports. */
function callsShutdown(source: SourceFile, sources: SourceFile[]): boolean {
  if (flushes(source)) return true;
  return loadedModules(source).some((m) => flushes(localSource(source, m.specifier, sources)));
}

/** process.on/once('SIGTERM', ...), or with a signal variable in a module that names SIGTERM. */
function handlesSigterm(source: SourceFile): boolean {
  const scan = scanOf(source);
  return scan.otel.some(
    (o) => o.kind === 'signal-handler' && (o.signal === 'SIGTERM' || (o.signal === '?' && scan.namesSigterm)),
  );
}

/** What the service's own code does at run time: a flush on SIGTERM, an asynchronous span processor. */
export function codeFindings(p: NodeDoctorView): Finding[] {
  const findings: Finding[] = [];
  const autoRegister = `${p.packageJson.scripts?.start ?? ''}`.includes(`${AUTO}/register`);
  const flushOnTerm = p.sources.some((s) => handlesSigterm(s) && callsShutdown(s, p.sources));
  if (!flushOnTerm && !autoRegister && p.sources.some((s) => startsSdk(s))) {
    findings.push({
      code: 'node.shutdown.no-flush',
      severity: 'warning',
      message: 'no SIGTERM handler shuts the SDK down: spans still queued when the container stops are lost',
      fix: 'on SIGTERM: close the server, await sdk.shutdown() (bounded), then process.exit()',
    });
  }
  const uses = p.sources.flatMap((s) => scanOf(s).otel.map((o) => ({ ...o, path: s.path })));
  for (const u of uses) {
    if (u.kind !== 'simple-processor' || !u.network) continue;
    findings.push({
      code: 'node.processor.simple',
      severity: 'warning',
      where: `${u.path}:${u.line}`,
      message: `SimpleSpanProcessor with ${u.exporter}: one export per span, on the request path`,
      fix: 'use BatchSpanProcessor (or let NodeSDK build it from OTEL_TRACES_EXPORTER)',
    });
  }
  const fastifyOtel = uses.find((u) => u.kind === 'fastify-otel');
  const registered = uses.some(
    (u) => (u.kind === 'fastify-otel' && u.registerOnInitialization) || u.kind === 'fastify-otel-plugin',
  );
  if (fastifyOtel && !registered) {
    findings.push({
      code: 'node.fastify.not-registered',
      severity: 'warning',
      where: `${fastifyOtel.path}:${fastifyOtel.line}`,
      message: '@fastify/otel is created but never registered with Fastify: it patches nothing by itself',
      fix: 'pass registerOnInitialization: true, or await app.register(instrumentation.plugin()) before the routes',
    });
  }
  return findings;
}

/**
 * What the analysis itself says: package.json unreadable, a module that does not parse, no entry to
 * follow, a bundled entry (nothing left for the instrumentation to patch), the bootstrap add-tracing wrote.
 */
export function analysisFindings(p: NodeDoctorView): Finding[] {
  const a = p.analysis;
  const findings: Finding[] = [];
  if ('error' in a.packageJson) {
    findings.push({
      code: 'node.package-json',
      severity: 'error',
      where: 'package.json',
      message: `package.json cannot be read: ${a.packageJson.error}`,
      fix: 'fix the JSON',
    });
    return findings;
  }
  for (const m of a.modules) {
    if (!m.scan.syntaxError) continue;
    findings.push({
      code: 'syntax-error',
      severity: 'error',
      where: `${m.file}:${m.scan.syntaxError.line}`,
      message: `cannot parse: ${m.scan.syntaxError.message}`,
    });
  }
  if (!a.entry?.exists) {
    findings.push({
      code: 'node.start.no-entry',
      severity: 'warning',
      message: a.entry
        ? `the entry ${a.entry.run} does not exist (not built?): the order modules load in was not checked`
        : `no entry module found${a.start.otherRunner ? ` (the start script runs ${a.start.otherRunner})` : ''}` +
          ': the order modules load in was not checked',
      fix: 'start the service with `node <entry>` in the start script (add-tracing needs it too)',
    });
  }
  if (a.bundled) {
    findings.push({
      code: 'node.bundled',
      severity: 'error',
      message:
        `${a.bundled}: instrumentation patches modules as Node loads them, ` +
        'which never happens for code inlined into a bundle',
      fix: 'keep express/fastify and http out of the bundle (esbuild --packages=external, webpack externals)',
    });
  }
  if (a.bootstrap?.ours) {
    findings.push({
      code: 'node.traced',
      severity: 'info',
      message: `${a.bootstrap.path} was written by add-tracing: preload it with node --import (batch processors, excluded URLs, flush on SIGTERM/SIGINT)`,
    });
  }
  return findings;
}

export function nodeFindings(p: NodeDoctorView): Finding[] {
  const analysis = analysisFindings(p);
  if (analysis.some((f) => f.code === 'node.package-json')) return analysis;
  return [...analysis, ...packageFindings(p), ...versionFindings(p), ...startFindings(p), ...codeFindings(p)];
}
