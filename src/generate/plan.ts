/**
 * plan(options, runtime) -> files: renders a whole project in memory. Writing, installing, dry runs, tests and
 * add-tracing all start from this, so what is shown is exactly what is written.
 */
import { serviceFramework, type ServiceFramework } from '../catalog/frameworks/index.js';
import { exactPathPattern, excludedUrlPatterns } from '../options/exclusions.js';
import { effectiveEndpoint, RATIO_SAMPLERS, type ServiceOptions } from '../options/schema.js';
import { signalsContext } from '../options/signal-defaults.js';
import { comparePaths } from '../core/path-order.js';
import { ANSWERS_FILE, cliVersion } from '../core/paths.js';
import { templateFiles } from './render.js';
import { generatedAnswersText } from '../answers/file.js';

/** A directory of templates/, whole or only some of its files (paths or folder prefixes ending in "/"). */
export type TemplateLayer = string | { dir: string; only: readonly string[] };

/** Template context pieces of a runtime; `framework` and `sampler` extend the shared objects of those names. */
export type RuntimeContext = { framework?: Record<string, unknown>; sampler?: Record<string, unknown> } & Record<
  string,
  unknown
>;

/** What rendering a project needs of its runtime (every runtime provides it). */
export interface TemplateRuntime {
  name: string;
  displayName: string;
  /** Template layers below the framework's own folder, earliest first. */
  baseLayers: readonly TemplateLayer[];
  /** Template context pieces of this runtime, merged over the shared ones (`framework` and `sampler` key by key). */
  templateContext(options: ServiceOptions, framework: ServiceFramework): RuntimeContext;
}

export interface PlannedFile {
  /** POSIX path relative to the project root. */
  path: string;
  content: string;
  /** File mode for executables; undefined means the default. */
  mode?: number;
}

export interface Plan {
  options: ServiceOptions;
  framework: ServiceFramework;
  files: PlannedFile[];
}

/** Names npm would drop or mangle when publishing, shipped with a leading underscore instead. */
const RENAMED: Record<string, string> = { _gitignore: '.gitignore', _dockerignore: '.dockerignore' };

/** Port the service listens on inside its container and in the README's commands. */
export const SERVICE_PORT = 8000;

export interface AnswersFile {
  cliVersion: string;
  options: ServiceOptions;
}

/** A PEP 508 distribution name derived from the service name (which itself may hold any text). */
export function distributionName(serviceName: string): string {
  const slug = serviceName
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug === '' ? 'traced-service' : slug.slice(0, 64).replace(/-+$/, '');
}

/** Everything templates may refer to. Values typed by users stay raw here; templates escape them. */
export function templateContext(o: ServiceOptions, runtime: TemplateRuntime) {
  const framework = serviceFramework(o.framework);
  const {
    framework: runtimeFramework,
    sampler: runtimeSampler,
    ...runtimeRest
  } = runtime.templateContext(o, framework);
  const serverCommand = framework.serverCommand({ host: '0.0.0.0', port: SERVICE_PORT });
  const devServerCommand = framework.serverCommand({ host: '127.0.0.1', port: SERVICE_PORT });
  return {
    cliVersion: cliVersion(),
    serviceName: o.serviceName,
    distributionName: distributionName(o.serviceName),
    environment: o.environment,
    resourceAttributes: Object.entries(o.resourceAttributes).map(([key, value]) => ({ key, value })),
    runtime: { name: runtime.name, displayName: runtime.displayName },
    framework: {
      name: framework.name,
      displayName: framework.displayName,
      serverCommand,
      serverCommandShell: serverCommand.join(' '),
      devServerCommandShell: devServerCommand.join(' '),
      healthPath: framework.healthPath,
      sample: framework.sample,
      ...runtimeFramework,
    },
    exporter: {
      kind: o.exporter,
      isGrpc: o.exporter === 'otlp-grpc',
      isHttp: o.exporter === 'otlp-http',
      isConsole: o.exporter === 'console',
      isOtlp: o.exporter !== 'console',
      endpoint: effectiveEndpoint(o),
      insecure: o.insecure,
      /** What the compose file points the service at: the collector on the compose network. */
      composeEndpoint: o.exporter === 'otlp-http' ? 'http://otel-collector:4318' : 'http://otel-collector:4317',
    },
    sampler: {
      name: o.sampler,
      usesRatio: RATIO_SAMPLERS.includes(o.sampler),
      ...runtimeSampler,
    },
    batch: {
      maxQueueSize: o.maxQueueSize,
      scheduleDelayMillis: o.scheduleDelayMillis,
      maxExportBatchSize: o.maxExportBatchSize,
      exportTimeoutMillis: o.exportTimeoutMillis,
    },
    excludedUrls: o.excludedUrls,
    excludedUrlsJoined: excludedUrlPatterns(o.excludedUrls),
    excludedUrlPatterns: o.excludedUrls.map(exactPathPattern),
    signals: signalsContext(o),
    port: SERVICE_PORT,
    examples: o.examples,
    ...runtimeRest,
  };
}

export type TemplateContext = ReturnType<typeof templateContext>;

function outputPath(templatePath: string): string {
  return templatePath
    .split('/')
    .map((segment) => RENAMED[segment] ?? segment)
    .join('/')
    .replace(/\.hbs$/, '');
}

/** Template layers (directories of templates/), later ones overriding earlier ones file by file. */
function templateLayers(framework: ServiceFramework, o: ServiceOptions, runtime: TemplateRuntime): TemplateLayer[] {
  const examples = o.examples ? framework.examplesDir : undefined;
  return [...runtime.baseLayers, framework.templateDir, ...(examples ? [examples] : [])];
}

const inLayer = (layer: TemplateLayer, file: string) =>
  typeof layer === 'string' || layer.only.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));

export function renderFiles(context: TemplateContext, layers: TemplateLayer[]): PlannedFile[] {
  const byPath = new Map<string, PlannedFile>();
  for (const layer of layers) {
    for (const file of templateFiles(typeof layer === 'string' ? layer : layer.dir)) {
      if (!inLayer(layer, file.path)) continue;
      const out = outputPath(file.path);
      byPath.set(out, { path: out, content: file.render(context), ...(file.mode ? { mode: file.mode } : {}) });
    }
  }
  return [...byPath.values()];
}

/** The answers: options and CLI version, plus what was written (hashes and base texts) for `upgrade`. */
export function answersFile(o: ServiceOptions, written: PlannedFile[] = []): PlannedFile {
  return { path: ANSWERS_FILE, content: generatedAnswersText(o, written) };
}

/** The project's files without the answers file: what `upgrade` renders again and merges. */
export function renderProject(options: ServiceOptions, runtime: TemplateRuntime): PlannedFile[] {
  return renderFiles(
    templateContext(options, runtime),
    templateLayers(serviceFramework(options.framework), options, runtime),
  );
}

export function plan(options: ServiceOptions, runtime: TemplateRuntime): Plan {
  const framework = serviceFramework(options.framework);
  const rendered = renderProject(options, runtime);
  const files = [...rendered, answersFile(options, rendered)];
  files.sort((a, b) => comparePaths(a.path, b.path));
  return { options, framework, files };
}
