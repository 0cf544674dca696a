/** The generated choices are defaults only: every OTEL_* variable set in the environment wins. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyEnvDefaults, DEFAULT_ENDPOINT, ENV_DEFAULTS, SAMPLER_DEFAULTS } from '../src/otel-config.js';

test('an empty environment gets every default', () => {
  const env: NodeJS.ProcessEnv = {};
  applyEnvDefaults(env);
  for (const [key, value] of Object.entries({ ...ENV_DEFAULTS, ...SAMPLER_DEFAULTS })) assert.equal(env[key], value);
  if (DEFAULT_ENDPOINT) assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, DEFAULT_ENDPOINT);
});

test('a variable that is set is left alone; a blank one counts as unset', () => {
  const env: NodeJS.ProcessEnv = { OTEL_BSP_SCHEDULE_DELAY: '250', OTEL_TRACES_EXPORTER: ' ' };
  const written = applyEnvDefaults(env);
  assert.equal(env.OTEL_BSP_SCHEDULE_DELAY, '250');
  assert.equal(written.OTEL_BSP_SCHEDULE_DELAY, undefined);
  assert.equal(env.OTEL_TRACES_EXPORTER, ENV_DEFAULTS.OTEL_TRACES_EXPORTER);
});

test('a sampler from the environment keeps its own argument', () => {
  const env: NodeJS.ProcessEnv = { OTEL_TRACES_SAMPLER: 'always_on' };
  applyEnvDefaults(env);
  assert.equal(env.OTEL_TRACES_SAMPLER, 'always_on');
  assert.equal(env.OTEL_TRACES_SAMPLER_ARG, undefined);
});

test('another protocol than the generated one does not get the generated endpoint', () => {
  const other = ENV_DEFAULTS.OTEL_EXPORTER_OTLP_PROTOCOL === 'grpc' ? 'http/protobuf' : 'grpc';
  const env: NodeJS.ProcessEnv = { OTEL_EXPORTER_OTLP_PROTOCOL: other };
  applyEnvDefaults(env);
  assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, undefined);
});
