/** What is already there and wrong in a Node service, in the same Finding shape as the Python diagnosis. */
import type { Finding } from '../add-tracing/diagnose.js';
import { appConstruction, BOOTSTRAP_FILE, loadOrder, type NodeProject } from './project.js';
import { preloadsBootstrap } from './start-command.js';
import { otelVersionProblem } from './versions-check.js';

const where = (file: string, line: number) => `${file}:${line}`;

function describeStart(project: NodeProject): string {
  if (project.start.script !== undefined) return `start script \`${project.start.script}\``;
  if (project.start.source === 'main') return `main ${project.entry?.run}`;
  if (project.start.source) return `${project.start.source} (${project.entry?.run})`;
  return 'no start script';
}

function startPreloads(project: NodeProject): string[] {
  const fromScript = project.start.command?.preloads.map((p) => `start script ${p.flag} ${p.value}`) ?? [];
  const docker = project.docker?.start;
  const fromDocker = docker?.runsNode
    ? docker.argv.flatMap((a, i, all) =>
        /^(--import|-r|--require)$/.test(a) ? [`${project.docker!.path} ${a} ${all[i + 1] ?? ''}`] : [],
      )
    : [];
  const nodeOptions = /NODE_OPTIONS\s*=?\s*["']?([^"'\n]*--(?:import|require)[^"'\n]*)/.exec(
    project.docker?.text ?? '',
  );
  return [...fromScript, ...fromDocker, ...(nodeOptions ? [`NODE_OPTIONS ${nodeOptions[1]!.trim()}`] : [])];
}

function frameworkFindings(project: NodeProject, add: (f: Finding) => void): void {
  const fw = project.framework!;
  const app = appConstruction(project);
  add({
    code: 'node-app',
    severity: 'info',
    message:
      `${fw.name === 'express' ? 'Express' : 'Fastify'} ${fw.range} service, ${project.moduleType === 'module' ? 'ES modules' : 'CommonJS'}` +
      `${project.typescript ? `, TypeScript (${project.typescript.outDir ? `built into ${project.typescript.outDir}/` : 'tsconfig.json'})` : ''}` +
      `; ${describeStart(project)}${project.entry ? `; entry ${project.entry.source}` : ''}` +
      `${app ? `; app built at ${where(app.file, app.line)}` : ''}; ${project.packageManager.name}` +
      `${project.packageManager.lockfile ? ` (${project.packageManager.lockfile})` : ' (no lockfile)'}`,
  });
  if (!project.entry?.exists) {
    add({
      code: 'node-no-entry',
      severity: 'warning',
      message: project.entry
        ? `the entry ${project.entry.run} does not exist (not built?): the order modules load in was not checked`
        : `no entry module found${project.start.otherRunner ? ` (the start script runs ${project.start.otherRunner})` : ''}: the order modules load in was not checked`,
      fix: 'start the service with `node <entry>` in the start script (add-tracing needs it too)',
    });
  }
  const preloads = startPreloads(project);
  if (preloads.length > 0)
    add({ code: 'node-preload', severity: 'info', message: `preloaded before the entry: ${preloads.join(', ')}` });
}

/** Start order: an SDK must be started before the framework's module is loaded, or nothing is patched. */
function orderFindings(project: NodeProject, add: (f: Finding) => void): void {
  const { framework, sdk } = loadOrder(project);
  const preloaded = startPreloads(project).length > 0;
  if (!sdk || preloaded) return;
  const entryModule = project.modules.find((m) => m.file === project.entry?.source);
  const sdkModule = project.modules.find((m) => m.file === sdk.file);
  if (sdkModule?.esm && sdk.file !== entryModule?.file) {
    add({
      code: 'node-sdk-imported',
      severity: 'error',
      message:
        `the SDK is started by ${where(sdk.file, sdk.line)} (${sdk.what}), imported from an ES module: every static import is ` +
        'loaded before any code runs, so express/fastify and http are loaded before the instrumentation is registered',
      where: where(sdk.file, sdk.line),
      fix: `load the SDK with node --import before the entry (add-tracing writes ${BOOTSTRAP_FILE} and the flag)`,
    });
    return;
  }
  if (framework && project.events.indexOf(framework) < project.events.indexOf(sdk)) {
    add({
      code: 'node-sdk-after-framework',
      severity: 'error',
      message:
        `the SDK is started at ${where(sdk.file, sdk.line)} (${sdk.what}) after ${framework.what} at ` +
        `${where(framework.file, framework.line)}: a module loaded before the instrumentation is registered is never patched`,
      where: where(sdk.file, sdk.line),
      fix: `start the SDK before anything else loads: node --import ./${BOOTSTRAP_FILE} (or --require) in the start command`,
    });
  }
}

function shutdownFindings(project: NodeProject, add: (f: Finding) => void): void {
  const uses = project.modules.flatMap((m) => m.scan.otel.map((o) => ({ ...o, file: m.file })));
  const sdk = uses.find((u) => u.kind === 'sdk');
  for (const s of uses) {
    if (s.kind === 'simple-processor' && s.network) {
      add({
        code: 'node-simple-processor',
        severity: 'error',
        message: `SimpleSpanProcessor with ${s.exporter}: every span is exported as it ends, one network call each, on the request path`,
        where: where(s.file, s.line),
        fix: 'use a BatchSpanProcessor (NodeSDK builds one from OTEL_TRACES_EXPORTER when given no spanProcessors)',
      });
    }
  }
  if (sdk && !uses.some((u) => u.kind === 'flush')) {
    add({
      code: 'node-no-flush',
      severity: 'error',
      message:
        `no flush on shutdown: the SDK started at ${where(sdk.file, sdk.line)} is never shut down, so the spans still ` +
        'queued in the batch processor are lost when the process gets SIGTERM',
      where: where(sdk.file, sdk.line),
      fix: "on SIGTERM/SIGINT: await sdk.shutdown() within a bound, then exit (process.once('SIGTERM', ...))",
    });
  } else if (sdk && !uses.some((u) => u.kind === 'signal-handler')) {
    add({
      code: 'node-no-signal-flush',
      severity: 'warning',
      message: `the SDK is shut down somewhere, but no SIGTERM/SIGINT handler was found: a stopped container may exit before the flush`,
      where: where(sdk.file, sdk.line),
      fix: "process.once('SIGTERM', ...) that awaits sdk.shutdown() with a timeout, then exits",
    });
  }
}

const AUTO = '@opentelemetry/auto-instrumentations-node';

/** Is anything traced, and do the instrumentations that make a named server span come with it? */
function coverageFindings(project: NodeProject, add: (f: Finding) => void): void {
  const uses = project.modules.flatMap((m) => m.scan.otel.map((o) => ({ ...o, file: m.file })));
  const command = project.start.command;
  const ours = Boolean(project.bootstrap?.ours && command && preloadsBootstrap(command, BOOTSTRAP_FILE));
  const started =
    uses.some((u) => u.kind === 'sdk') ||
    startPreloads(project).some((p) => /otel|opentelemetry|tracing|telemetry|instrument/i.test(p));
  if (ours) {
    add({
      code: 'node-traced',
      severity: 'info',
      message: `traced by add-tracing: ./${BOOTSTRAP_FILE} is preloaded with --import (batch processors, excluded URLs, flush on SIGTERM/SIGINT)`,
    });
    return;
  }
  if (!started) {
    add({
      code: 'node-not-traced',
      severity: 'error',
      message:
        'no OpenTelemetry SDK is started (no --import/--require preload, no NodeSDK in the modules the entry loads): requests produce no span',
      fix: 'create-traced-service add-tracing adds it',
    });
    return;
  }
  const has = (name: string) => name in project.otelDeps;
  if (!has('@opentelemetry/instrumentation-http') && !has(AUTO)) {
    add({
      code: 'node-no-http-instrumentation',
      severity: 'error',
      where: 'package.json',
      message:
        'no @opentelemetry/instrumentation-http: incoming requests get no server span and no inbound traceparent is continued',
      fix: "add @opentelemetry/instrumentation-http of the SDK's release to the SDK's instrumentations",
    });
  }
  const fw = project.framework!.name;
  const routePackage = fw === 'express' ? '@opentelemetry/instrumentation-express' : '@fastify/otel';
  if (!has(routePackage) && !has(AUTO) && !(fw === 'fastify' && has('@opentelemetry/instrumentation-fastify'))) {
    add({
      code: 'node-no-route',
      severity: 'warning',
      where: 'package.json',
      message: `${fw} without ${routePackage}: server spans are named by the method alone ("GET"), not by the route`,
      fix: `add ${routePackage} to the SDK's instrumentations`,
    });
  }
  const fastifyOtel = uses.find((u) => u.kind === 'fastify-otel');
  if (
    fastifyOtel?.kind === 'fastify-otel' &&
    !fastifyOtel.registerOnInitialization &&
    !uses.some((u) => u.kind === 'fastify-otel-plugin')
  ) {
    add({
      code: 'node-fastify-otel-unregistered',
      severity: 'warning',
      where: where(fastifyOtel.file, fastifyOtel.line),
      message: '@fastify/otel is created but never registered with Fastify: it records nothing by itself',
      fix: 'pass registerOnInitialization: true, or await app.register(instrumentation.plugin()) before the routes',
    });
  }
  const ranged = Object.entries(project.otelDeps).filter(([, v]) => /^[\^~]/.test(v.trim()));
  if (ranged.length > 0) {
    add({
      code: 'node-otel-unpinned',
      severity: 'warning',
      where: 'package.json',
      message: `OpenTelemetry packages with version ranges (${ranged.map(([n, v]) => `${n} ${v}`).join(', ')}): an install can mix releases`,
      fix: 'pin exact versions of one matched set and commit the lockfile',
    });
  }
}

function dependencyFindings(project: NodeProject, add: (f: Finding) => void): void {
  const mismatch = otelVersionProblem(project.otelDeps);
  if (mismatch) {
    add({
      code: 'node-mismatched-versions',
      severity: 'error',
      message: `mismatched OpenTelemetry JS versions: ${mismatch}`,
      where: 'package.json',
      fix: 'pin one matched set: the stable 2.x/3.x packages with the experimental 0.x line released with them',
    });
  }
  if ('@opentelemetry/instrumentation-fastify' in project.otelDeps) {
    add({
      code: 'node-fastify-contrib',
      severity: 'error',
      message:
        '@opentelemetry/instrumentation-fastify is deprecated: the Fastify project maintains @fastify/otel instead, ' +
        'and the contrib package no longer follows Fastify releases',
      where: 'package.json',
      fix: 'replace it with @fastify/otel (FastifyOtelInstrumentation)',
    });
  }
}

export function nodeFindings(project: NodeProject): Finding[] {
  const findings: Finding[] = [];
  const add = (f: Finding) => findings.push(f);
  if ('error' in project.packageJson) {
    add({
      code: 'node-package-json',
      severity: 'error',
      message: `package.json cannot be read: ${project.packageJson.error}`,
      where: 'package.json',
      fix: 'fix the JSON',
    });
    return findings;
  }
  if (!project.framework) {
    add({
      code: 'unsupported-framework',
      severity: 'error',
      message: project.unsupportedFramework
        ? `${project.unsupportedFramework} detected (package.json); add-tracing and doctor support Express and Fastify services`
        : 'neither express nor fastify is a dependency in package.json; add-tracing and doctor support Express and Fastify services',
    });
    return findings;
  }
  frameworkFindings(project, add);
  for (const m of project.modules) {
    if (m.scan.syntaxError)
      add({
        code: 'syntax-error',
        severity: 'error',
        message: `cannot parse: ${m.scan.syntaxError.message}`,
        where: where(m.file, m.scan.syntaxError.line),
      });
  }
  if (project.bundled) {
    add({
      code: 'node-bundled',
      severity: 'error',
      message: `${project.bundled}: instrumentation patches modules as Node loads them, which never happens for code inlined into a bundle`,
      fix: 'keep express/fastify and http out of the bundle (esbuild --packages=external, webpack externals) or run the unbundled sources',
    });
  }
  coverageFindings(project, add);
  orderFindings(project, add);
  shutdownFindings(project, add);
  dependencyFindings(project, add);
  return findings;
}
