/** Interactive questions, generated from the option schema's metadata; answers are validated by the same schema. */
import * as clack from '@clack/prompts';
import path from 'node:path';
import { CancelledError } from '../core/errors.js';
import { ALL_FRAMEWORKS } from '../catalog/frameworks/index.js';
import {
  DEFAULT_ENDPOINTS,
  EXAMPLE_FRAMEWORKS,
  EXPORTERS,
  OPTION_KEYS,
  optionMeta,
  RATIO_SAMPLERS,
  SAMPLERS,
  SIGNALS,
  SERVICE_OPTION_FIELDS,
  serviceOptionsSchema,
  type OptionKey,
  type Sampler,
} from './schema.js';

const EXPORTER_HINTS: Record<(typeof EXPORTERS)[number], string> = {
  'otlp-grpc': 'OTLP over gRPC, port 4317',
  'otlp-http': 'OTLP over HTTP/protobuf, port 4318',
  console: 'print spans to stdout; development only',
};

const SAMPLER_HINTS: Record<Sampler, string> = {
  parentbased_traceidratio: 'keep a ratio of new traces, follow the caller for the rest',
  parentbased_always_on: 'keep every new trace, follow the caller',
  always_on: 'keep everything, ignore the caller',
  traceidratio: 'keep a ratio, ignore the caller',
  always_off: 'keep nothing',
};

function answered<T>(value: T | symbol): T {
  if (clack.isCancel(value)) throw new CancelledError();
  return value as T;
}

/** Validates with the schema; an empty answer means the pre-filled default (clack validates before applying it). */
function validator(key: OptionKey, fallback: string) {
  return (value: string | undefined) => {
    const result = SERVICE_OPTION_FIELDS[key].safeParse(value === undefined || value === '' ? fallback : value);
    return result.success ? undefined : result.error.issues[0]?.message;
  };
}

export async function promptDirectory(initial: string | undefined): Promise<string> {
  const value = answered<string>(
    await clack.text({
      message: 'Project directory',
      placeholder: 'traced-service',
      defaultValue: initial ?? 'traced-service',
      validate: (v) =>
        v !== undefined && v.trim() !== '' && /[\u0000-\u001f]/.test(v)
          ? 'must not contain control characters'
          : undefined,
    }),
  );
  return value.trim();
}

/** Asks for every promptable option the user has not given yet; returns raw answers for the schema to parse. */
export async function promptForOptions(
  given: Record<string, unknown>,
  directory: string,
): Promise<Record<string, unknown>> {
  const answers: Record<string, unknown> = { ...given };
  const defaults = serviceOptionsSchema.parse({ serviceName: path.basename(path.resolve(directory)) });
  for (const key of OPTION_KEYS) {
    const meta = optionMeta(key);
    if (!meta.prompt || key in answers) continue;
    if (key === 'endpoint' && answers.exporter === 'console') continue;
    if (key === 'insecure' && answers.exporter === 'console') continue;
    if (key === 'samplerRatio' && !RATIO_SAMPLERS.includes(answers.sampler as Sampler)) continue;
    if (key === 'examples' && !EXAMPLE_FRAMEWORKS.includes(String(answers.framework ?? defaults.framework))) continue;
    switch (key) {
      case 'framework':
        answers[key] = answered(
          await clack.select({
            message: meta.prompt,
            options: ALL_FRAMEWORKS.map((f) => ({ value: f.name, label: f.displayName, hint: f.hint })),
            initialValue: defaults.framework,
          }),
        );
        break;
      case 'exporter':
        answers[key] = answered(
          await clack.select({
            message: meta.prompt,
            options: EXPORTERS.map((e) => ({ value: e, label: e, hint: EXPORTER_HINTS[e] })),
            initialValue: defaults.exporter,
          }),
        );
        break;
      case 'sampler':
        answers[key] = answered(
          await clack.select({
            message: meta.prompt,
            options: SAMPLERS.map((s) => ({ value: s, label: s, hint: SAMPLER_HINTS[s] })),
            initialValue: defaults.sampler,
          }),
        );
        break;
      case 'signals':
        answers[key] = answered(
          await clack.multiselect({
            message: meta.prompt,
            options: SIGNALS.map((s) => ({ value: s, label: s })),
            initialValues: [...defaults.signals],
            required: true,
          }),
        );
        break;
      case 'insecure':
        answers[key] = answered(await clack.confirm({ message: meta.prompt, initialValue: defaults.insecure }));
        break;
      case 'examples':
        // Offered to someone exploring interactively; --yes and scripts get the lean service.
        answers[key] = answered(await clack.confirm({ message: meta.prompt, initialValue: true }));
        break;
      default: {
        const fallback =
          key === 'endpoint'
            ? DEFAULT_ENDPOINTS[(answers.exporter as keyof typeof DEFAULT_ENDPOINTS) ?? 'otlp-grpc']
            : Array.isArray(defaults[key])
              ? (defaults[key] as string[]).join(',')
              : String(defaults[key]);
        answers[key] = answered(
          await clack.text({
            message: meta.prompt,
            placeholder: fallback,
            defaultValue: fallback,
            validate: validator(key, fallback),
          }),
        );
      }
    }
  }
  return answers;
}
