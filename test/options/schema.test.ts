import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EXCLUDED_URLS,
  effectiveEndpoint,
  OptionsError,
  parseServiceOptions,
  runtimeOnlyProblem,
} from '../../src/options/schema.js';
import { endpointProblem } from '../../src/options/values.js';

const parse = (input: Record<string, unknown>) => parseServiceOptions({ serviceName: 'svc', ...input });
const errorOf = (input: Record<string, unknown>, sourceOf?: () => 'flag' | 'config') => {
  try {
    parseServiceOptions({ serviceName: 'svc', ...input }, sourceOf);
  } catch (error) {
    expect(error).toBeInstanceOf(OptionsError);
    return (error as Error).message;
  }
  throw new Error('expected a validation error');
};

describe('service options schema', () => {
  it('fills every default from the guide', () => {
    const o = parse({});
    expect(o).toMatchObject({
      framework: 'fastapi',
      exporter: 'otlp-grpc',
      insecure: false,
      sampler: 'parentbased_traceidratio',
      samplerRatio: 1,
      environment: 'production',
      maxQueueSize: 2048,
      scheduleDelayMillis: 5000,
      maxExportBatchSize: 64,
      exportTimeoutMillis: 5000,
      otelVersion: '1.45',
    });
    expect(o.excludedUrls).toEqual(DEFAULT_EXCLUDED_URLS);
    expect(effectiveEndpoint(o)).toBe('otel-collector:4317');
    expect(effectiveEndpoint(parse({ exporter: 'otlp-http' }))).toBe('https://otel-collector:4318/v1/traces');
  });

  it('takes the export batch size from the runtime unless given (catalog/export-defaults.ts)', () => {
    expect(parse({}).maxExportBatchSize).toBe(64);
    expect(parse({ framework: 'flask' }).maxExportBatchSize).toBe(64);
    expect(parse({ framework: 'express' }).maxExportBatchSize).toBe(512);
    expect(parse({ framework: 'fastify' }).maxExportBatchSize).toBe(512);
    expect(parse({ framework: 'express', maxExportBatchSize: '64' }).maxExportBatchSize).toBe(64);
    // A smaller queue than the runtime's batch bounds the default instead of refusing a flag nobody gave.
    expect(parse({ framework: 'express', maxQueueSize: '256' }).maxExportBatchSize).toBe(256);
    expect(errorOf({ framework: 'express', maxQueueSize: '256', maxExportBatchSize: '300' })).toBe(
      '--max-export-batch-size: must not exceed --max-queue-size (256)',
    );
  });

  it('keeps the schema order of the keys whether the runtime filled a value or it was given', () => {
    // The answers file is written from these: a second run over the same project must write the same text.
    const filled = parse({ framework: 'express' });
    expect(Object.keys(filled)).toEqual(Object.keys(parse({ ...filled })));
  });

  it('coerces flag strings', () => {
    const o = parse({
      samplerRatio: '0.25',
      maxQueueSize: '4096',
      insecure: 'true',
      excludedUrls: '/a, /b',
      resourceAttributes: ['team=platform', 'tier=1=x'],
    });
    expect(o.samplerRatio).toBe(0.25);
    expect(o.maxQueueSize).toBe(4096);
    expect(o.insecure).toBe(true);
    expect(o.excludedUrls).toEqual(['/a', '/b']);
    expect(o.resourceAttributes).toEqual({ team: 'platform', tier: '1=x' });
  });

  it.each([
    [{ samplerRatio: '1.5' }, '--sampler-ratio: must be a number between 0 and 1'],
    [{ samplerRatio: 'abc' }, '--sampler-ratio: must be a number between 0 and 1'],
    [{ serviceName: '' }, '--service-name: service name must not be empty'],
    [{ serviceName: '   ' }, '--service-name: service name must not be empty'],
    [{ serviceName: 'a\nb' }, '--service-name: must not contain control characters'],
    [{ serviceName: 'x'.repeat(101) }, '--service-name: service name must be at most 100 characters'],
    [{ endpoint: 'not a host' }, '--endpoint: must be host:port'],
    [{ endpoint: 'collector:99999' }, '--endpoint: port must be between 1 and 65535'],
    [{ endpoint: 'ftp://collector:4317' }, '--endpoint: must be host:port'],
    [{ endpoint: 'https://user:secret@collector:4318' }, '--endpoint: must not contain credentials'],
    [{ exporter: 'zipkin' }, '--exporter: must be one of: otlp-grpc, otlp-http, console'],
    [{ framework: 'rails' }, '--framework: must be one of: fastapi'],
    [{ sampler: 'sometimes' }, '--sampler: must be one of'],
    [{ maxQueueSize: '0' }, '--max-queue-size: must be between 1 and 1000000'],
    [{ maxQueueSize: '1.5' }, '--max-queue-size: must be a whole number'],
    [{ maxQueueSize: 100, maxExportBatchSize: 200 }, '--max-export-batch-size: must not exceed --max-queue-size (100)'],
    [{ resourceAttributes: ['novalue'] }, '--resource-attribute: expected key=value'],
    [{ resourceAttributes: ['9bad=x'] }, '--resource-attribute: key "9bad" must start with a letter'],
    [{ resourceAttributes: ['service.name=x'] }, '--resource-attribute: service.name has its own option'],
    [{ resourceAttributes: ['team=a\tb'] }, '--resource-attribute: value of team must not contain control characters'],
    [{ excludedUrls: '/ok,/bad path' }, '--excluded-urls:'],
    [
      { excludedUrls: '/ok,(' },
      '--excluded-urls: "(" is not a valid Python regular expression: missing ), unterminated subpattern',
    ],
    [{ exporter: 'console', endpoint: 'x:1' }, '--endpoint: does not apply to the console exporter'],
    [{ otelVersion: '1.2' }, '--otel-version: must be one of the matched OpenTelemetry releases'],
    [{ insecure: 'maybe' }, '--insecure: must be true or false'],
  ])('rejects %j with one line naming the flag', (input, message) => {
    const text = errorOf(input);
    expect(text).toContain(message);
    expect(text).not.toContain('\n');
  });

  it('names config keys when the value came from a config file', () => {
    expect(errorOf({ samplerRatio: 7 }, () => 'config')).toBe(
      'config "samplerRatio" (--sampler-ratio): must be a number between 0 and 1',
    );
  });

  it('rejects unknown keys, naming them', () => {
    expect(errorOf({ colour: 'blue' })).toMatch(/^unknown option "colour"; known options: serviceName, /);
  });

  it('keeps quotes, backslashes, braces and unicode in names exactly', () => {
    const name = `a"b'c\\d {{x}} $HOME ünï 🚀`;
    expect(parse({ serviceName: name }).serviceName).toBe(name);
  });

  it.each([
    'collector:4317',
    '10.0.0.1:4317',
    '[::1]:4317',
    'http://localhost:4318/v1/traces',
    'https://otel.example.com',
  ])('accepts endpoint %s', (value) => expect(endpointProblem(value)).toBeUndefined());
});

describe('endpoint resolution', () => {
  it('gives the HTTP exporter a full traces URL', () => {
    expect(effectiveEndpoint(parse({ exporter: 'otlp-http', endpoint: 'https://c.example:4318' }))).toBe(
      'https://c.example:4318/v1/traces',
    );
    expect(effectiveEndpoint(parse({ exporter: 'otlp-http', endpoint: 'https://c.example:4318/' }))).toBe(
      'https://c.example:4318/v1/traces',
    );
    expect(effectiveEndpoint(parse({ exporter: 'otlp-http', endpoint: 'https://c.example/otlp/v1/traces' }))).toBe(
      'https://c.example/otlp/v1/traces',
    );
    expect(effectiveEndpoint(parse({ exporter: 'otlp-grpc', endpoint: 'c:4317' }))).toBe('c:4317');
  });

  it('refuses host:port for the HTTP exporter', () => {
    expect(errorOf({ exporter: 'otlp-http', endpoint: 'c:4318' })).toBe(
      '--endpoint: must be an http(s):// URL for the otlp-http exporter',
    );
  });
});

describe('options of one runtime given for a service of another', () => {
  it('are named as an error, never silently dropped', () => {
    expect(runtimeOnlyProblem('express', ['serviceName', 'installer'])).toBe(
      '--installer applies to Python services only; express installs with npm',
    );
    expect(runtimeOnlyProblem('fastify', ['otelVersion'])).toBe(
      '--otel-version applies to Python services only; fastify pins one matched OpenTelemetry JS set',
    );
    expect(runtimeOnlyProblem('fastapi', ['installer', 'otelVersion'])).toBeUndefined();
    expect(runtimeOnlyProblem('express', ['exporter', 'sampler'])).toBeUndefined();
  });
});
