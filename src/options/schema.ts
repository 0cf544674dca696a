/**
 * The single source of truth for what a generated service is made from.
 * Flags, prompts, `--config` files and the answers file are all parsed through `serviceOptionsSchema`;
 * the CLI builds its flags and prompts from the `meta` attached to each field.
 */
import { z } from 'zod';
import { exportDefaults } from '../catalog/export-defaults.js';
import { ALL_FRAMEWORKS, FRAMEWORK_NAMES, serviceFramework } from '../catalog/frameworks/index.js';
import { bool, endpoint, excludedUrls, int, quoteValue, resourceAttributes, text } from './values.js';
import { OTEL_LINES, DEFAULT_OTEL_LINE } from '../catalog/python-sets.js';

export const EXPORTERS = ['otlp-grpc', 'otlp-http', 'console'] as const;
export type Exporter = (typeof EXPORTERS)[number];

export const SAMPLERS = [
  'parentbased_traceidratio',
  'parentbased_always_on',
  'always_on',
  'traceidratio',
  'always_off',
] as const;
export type Sampler = (typeof SAMPLERS)[number];

export const INSTALLERS = ['auto', 'uv', 'pip'] as const;
export type Installer = (typeof INSTALLERS)[number];

/** Samplers that take a ratio argument. */
export const RATIO_SAMPLERS: readonly Sampler[] = ['parentbased_traceidratio', 'traceidratio'];

export const DEFAULT_ENDPOINTS: Record<Exporter, string> = {
  'otlp-grpc': 'otel-collector:4317',
  'otlp-http': 'https://otel-collector:4318/v1/traces',
  console: '',
};

export const SIGNALS = ['traces', 'metrics', 'logs'] as const;
export type Signal = (typeof SIGNALS)[number];

/** A comma list (from flags/prompts) or an array (from a config file) of signals, kept in canonical order. */
const signals = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean)
      : v,
  z
    .array(z.enum(SIGNALS, { error: `must be a comma-separated list of: ${SIGNALS.join(', ')}` }), {
      error: `must be a list of: ${SIGNALS.join(', ')}`,
    })
    .min(1, { error: `must name at least one of: ${SIGNALS.join(', ')}` })
    .transform((list) => SIGNALS.filter((s) => list.includes(s))),
);

/** Frameworks with worked examples (`--examples`). */
export const EXAMPLE_FRAMEWORKS: readonly string[] = ALL_FRAMEWORKS.filter((f) => f.examplesDir).map((f) => f.name);

/** Options that mean something for one runtime's services only. */
const RUNTIME_ONLY: Partial<Record<string, { runtime: string; label: string; otherwise: string }>> = {
  otelVersion: { runtime: 'python', label: 'Python', otherwise: 'pins one matched OpenTelemetry JS set' },
  installer: { runtime: 'python', label: 'Python', otherwise: 'installs with npm' },
};

/** A flag given for a framework whose runtime ignores it: an error rather than silently dropped. */
export function runtimeOnlyProblem(framework: string, givenKeys: string[]): string | undefined {
  const runtime = serviceFramework(framework).runtime;
  for (const key of givenKeys) {
    const only = RUNTIME_ONLY[key];
    if (only && only.runtime !== runtime)
      return `--${optionMeta(key as OptionKey).flag} applies to ${only.label} services only; ${framework} ${only.otherwise}`;
  }
  return undefined;
}

/** Paths that fire constantly and carry no diagnostic value: probes, scrapes and the docs UI. */
export const DEFAULT_EXCLUDED_URLS = ['/healthz', '/readyz', '/metrics', '/docs', '/redoc', '/openapi.json'];

/** What the CLI needs to know about one option besides its type: its flag and how to ask for it. */
export type OptionMeta = {
  /** Long flag name without dashes. */
  flag: string;
  /** Placeholder shown in --help, e.g. "<name>"; absent for booleans. */
  valueName?: string;
  description: string;
  /** Repeatable flag (collects values). */
  repeatable?: boolean;
  /** Question asked interactively; options without one are flags-only. */
  prompt?: string;
};

const meta = (m: OptionMeta) => m;

const serviceOptionsObject = z
  .object({
    serviceName: text('service name', 100)
      .refine((v) => !v.includes('/') && v !== '.' && v !== '..', {
        error: 'must not contain "/" (it names a service, not a path)',
      })
      .meta(
        meta({
          flag: 'service-name',
          valueName: '<name>',
          description: 'service.name resource attribute (default: the directory name)',
          prompt: 'Service name',
        }),
      ),
    framework: z
      .enum(FRAMEWORK_NAMES, { error: `must be one of: ${FRAMEWORK_NAMES.join(', ')}` })
      .default(FRAMEWORK_NAMES[0])
      .meta(meta({ flag: 'framework', valueName: '<name>', description: 'web framework', prompt: 'Framework' })),
    exporter: z
      .enum(EXPORTERS, { error: `must be one of: ${EXPORTERS.join(', ')}` })
      .default('otlp-grpc')
      .meta(meta({ flag: 'exporter', valueName: '<kind>', description: 'span exporter', prompt: 'Exporter' })),
    signals: signals.default([...SIGNALS]).meta(
      meta({
        flag: 'signals',
        valueName: '<list>',
        description: 'signals to wire: traces, metrics, logs (OTEL_{TRACES,METRICS,LOGS}_EXPORTER override it)',
        prompt: 'Signals to export',
      }),
    ),
    endpoint: endpoint.default('').meta(
      meta({
        flag: 'endpoint',
        valueName: '<host:port|url>',
        description: `OTLP endpoint (default: ${DEFAULT_ENDPOINTS['otlp-grpc']} for gRPC, ${DEFAULT_ENDPOINTS['otlp-http']} for HTTP); OTEL_EXPORTER_OTLP_ENDPOINT overrides it at run time`,
        prompt: 'OTLP endpoint',
      }),
    ),
    insecure: bool.default(false).meta(
      meta({
        flag: 'insecure',
        description: 'send OTLP without TLS by default (OTEL_EXPORTER_OTLP_INSECURE overrides it)',
        prompt: 'Disable TLS to the collector?',
      }),
    ),
    sampler: z
      .enum(SAMPLERS, { error: `must be one of: ${SAMPLERS.join(', ')}` })
      .default('parentbased_traceidratio')
      .meta(
        meta({
          flag: 'sampler',
          valueName: '<name>',
          description: 'head sampler (OTEL_TRACES_SAMPLER overrides it)',
          prompt: 'Sampler',
        }),
      ),
    samplerRatio: z
      .preprocess(
        // Decimal notation only: "0x1" or "1e-1" are refused like any other non-number.
        (v) => (typeof v === 'string' && /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/.test(v) ? Number(v) : v),
        z
          .number({ error: 'must be a number between 0 and 1' })
          .min(0, { error: 'must be a number between 0 and 1' })
          .max(1, { error: 'must be a number between 0 and 1' }),
      )
      .default(1)
      .meta(
        meta({
          flag: 'sampler-ratio',
          valueName: '<0..1>',
          description: 'ratio for the traceidratio samplers',
          prompt: 'Sampling ratio (0..1)',
        }),
      ),
    environment: text('deployment environment', 100)
      .default('production')
      .meta(
        meta({
          flag: 'environment',
          valueName: '<name>',
          description: 'deployment.environment resource attribute',
          prompt: 'Deployment environment',
        }),
      ),
    resourceAttributes: resourceAttributes.default({}).meta(
      meta({
        flag: 'resource-attribute',
        valueName: '<key=value>',
        description: 'extra resource attribute (repeatable)',
        repeatable: true,
      }),
    ),
    excludedUrls: excludedUrls.default(DEFAULT_EXCLUDED_URLS).meta(
      meta({
        flag: 'excluded-urls',
        valueName: '<list>',
        description: 'comma-separated URL fragments that never produce a span',
        prompt: 'URLs to keep out of traces (comma-separated)',
      }),
    ),
    maxQueueSize: int(1, 1_000_000)
      .default(2048)
      .meta(
        meta({
          flag: 'max-queue-size',
          valueName: '<n>',
          description: 'BatchSpanProcessor queue size (about 2x peak concurrent requests)',
        }),
      ),
    scheduleDelayMillis: int(100, 60_000)
      .default(5000)
      .meta(
        meta({
          flag: 'schedule-delay',
          valueName: '<ms>',
          description: 'BatchSpanProcessor delay between exports (2000-5000 amortizes I/O)',
        }),
      ),
    // No default here: the runtime's (catalog/export-defaults.ts), filled in below once the framework is known.
    maxExportBatchSize: int(1, 1_000_000)
      .optional()
      .meta(
        meta({
          flag: 'max-export-batch-size',
          valueName: '<n>',
          description: 'BatchSpanProcessor spans per export (small batches keep the export off the tail latency)',
        }),
      ),
    exportTimeoutMillis: int(100, 60_000)
      .default(5000)
      .meta(
        meta({
          flag: 'export-timeout',
          valueName: '<ms>',
          description: 'exporter timeout, bounded so retries cannot pile up (OTEL_EXPORTER_OTLP_TIMEOUT overrides it)',
        }),
      ),
    otelVersion: z
      .enum(Object.keys(OTEL_LINES) as [string, ...string[]], {
        error: `must be one of the matched OpenTelemetry releases: ${Object.keys(OTEL_LINES).join(', ')}`,
      })
      .default(DEFAULT_OTEL_LINE)
      .meta(
        meta({
          flag: 'otel-version',
          valueName: '<1.N>',
          description: 'OpenTelemetry Python release line; picks a matched SDK + instrumentation set',
        }),
      ),
    installer: z
      .enum(INSTALLERS, { error: `must be one of: ${INSTALLERS.join(', ')}` })
      .default('auto')
      .meta(
        meta({
          flag: 'installer',
          valueName: '<name>',
          description: 'installs .venv: uv, pip, or auto (uv on PATH, else a private uv cached on first use, else pip)',
        }),
      ),
    // Off unless asked for: the production app mounts only what the service needs (prompts offer it).
    examples: bool.default(false).meta(
      meta({
        flag: 'examples',
        description: `add worked examples of the cases tracing needs a hand with (${EXAMPLE_FRAMEWORKS.join(', ')})`,
        prompt: 'Add worked examples (context across background work, thread and worker pools)?',
      }),
    ),
  })
  .strict();

/** Each option's own schema, by key (flags and prompts parse one value at a time). */
export const SERVICE_OPTION_FIELDS = serviceOptionsObject.shape;

type ParsedFields = z.output<typeof serviceOptionsObject>;

/**
 * The runtime's export defaults, for what was not given; a smaller queue bounds the batch. Keys stay in the
 * schema's order (the answers file is written from them: the same text whether a value was given or filled).
 */
function withRuntimeDefaults(o: ParsedFields): ParsedFields & { maxExportBatchSize: number } {
  const runtime = exportDefaults(o.framework);
  const filled: Record<string, unknown> = {
    ...o,
    maxExportBatchSize: o.maxExportBatchSize ?? Math.min(runtime.maxExportBatchSize, o.maxQueueSize),
  };
  const ordered = Object.keys(SERVICE_OPTION_FIELDS).filter((key) => key in filled);
  return Object.fromEntries(ordered.map((key) => [key, filled[key]])) as ParsedFields & { maxExportBatchSize: number };
}

export const serviceOptionsSchema = serviceOptionsObject.transform(withRuntimeDefaults).superRefine((o, ctx) => {
  if (o.maxExportBatchSize > o.maxQueueSize) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxExportBatchSize'],
      message: `must not exceed --max-queue-size (${o.maxQueueSize})`,
    });
  }
  if (o.exporter === 'otlp-http' && o.endpoint !== '' && !/^https?:\/\//i.test(o.endpoint)) {
    ctx.addIssue({
      code: 'custom',
      path: ['endpoint'],
      message: 'must be an http(s):// URL for the otlp-http exporter',
    });
  }
  if (o.examples && !EXAMPLE_FRAMEWORKS.includes(o.framework)) {
    ctx.addIssue({
      code: 'custom',
      path: ['examples'],
      message: `worked examples exist for ${EXAMPLE_FRAMEWORKS.join(', ')} only, not ${o.framework}; leave it out`,
    });
  }
  if (o.exporter === 'console' && o.endpoint !== '') {
    ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'does not apply to the console exporter' });
  }
});

export type ServiceOptionsInput = z.input<typeof serviceOptionsSchema>;
/** Options after parsing, with every default applied and the endpoint resolved. */
export type ServiceOptions = z.output<typeof serviceOptionsSchema>;
export type OptionKey = keyof ServiceOptions;

export const OPTION_KEYS = Object.keys(SERVICE_OPTION_FIELDS) as OptionKey[];

export function optionMeta(key: OptionKey): OptionMeta {
  const m = SERVICE_OPTION_FIELDS[key].meta() as OptionMeta | undefined;
  if (!m) throw new Error(`option ${key} has no metadata`);
  return m;
}

/**
 * The endpoint the generated code falls back to when no environment variable names one. The HTTP
 * exporter takes the full traces URL when given one in code, so a bare base URL gets /v1/traces.
 */
export function effectiveEndpoint(o: Pick<ServiceOptions, 'exporter' | 'endpoint'>): string {
  if (o.endpoint === '') return DEFAULT_ENDPOINTS[o.exporter];
  if (o.exporter === 'otlp-http') {
    const url = new URL(o.endpoint);
    if (url.pathname === '/' || url.pathname === '') return `${o.endpoint.replace(/\/$/, '')}/v1/traces`;
  }
  return o.endpoint;
}

export class OptionsError extends Error {
  override name = 'OptionsError';
}

/** Turns the first zod issue into one line that names the flag the user would change. */
export type OptionSource = 'flag' | 'config';

export function formatIssue(issue: z.core.$ZodIssue, sourceOf: (key: string) => OptionSource = () => 'flag'): string {
  const key = issue.path[0];
  let subject: string;
  if (typeof key === 'string' && key in SERVICE_OPTION_FIELDS) {
    const flag = optionMeta(key as OptionKey).flag;
    subject = sourceOf(key) === 'flag' ? `--${flag}` : `config "${key}" (--${flag})`;
  } else if (issue.code === 'unrecognized_keys') {
    const shown = issue.keys
      .slice(0, 5)
      .map((k) => quoteValue(k, 40))
      .join(', ');
    const more = issue.keys.length > 5 ? ` and ${issue.keys.length - 5} more` : '';
    const plural = issue.keys.length > 1 ? 's' : '';
    return `unknown option${plural} ${shown}${more}; known options: ${OPTION_KEYS.join(', ')}`;
  } else {
    subject = 'options';
  }
  return `${subject}: ${issue.message}`;
}

export function parseServiceOptions(input: unknown, sourceOf?: (key: string) => OptionSource): ServiceOptions {
  const result = serviceOptionsSchema.safeParse(input);
  if (!result.success) throw new OptionsError(formatIssue(result.error.issues[0]!, sourceOf));
  return result.data;
}
