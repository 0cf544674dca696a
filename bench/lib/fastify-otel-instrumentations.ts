/**
 * Written by bench/ over a copy of the generated Fastify service, for comparison only: the route named by
 * @fastify/otel (its own spans off, a tracer that records nothing) instead of the generated route hook, as
 * generated services did before 0.3.0. The exclusions are the CLI's defaults, as in the generated file.
 */
import type { IncomingMessage } from 'node:http';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { ProxyTracerProvider } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { REDACTED_QUERY_PARAMS } from './otel-config.js';

export const EXCLUDED_URL_PATTERNS: RegExp[] = ['healthz', 'readyz', 'metrics', 'docs', 'redoc', 'openapi\\.json'].map(
  (p) => new RegExp(`^[a-z][a-z0-9+.\\-]*://[^/]+/${p}(?:\\?.*)?$`),
);

export function isExcluded(request: IncomingMessage): boolean {
  const url = `http://${request.headers.host ?? 'localhost'}${request.url ?? '/'}`;
  return EXCLUDED_URL_PATTERNS.some((pattern) => pattern.test(url));
}

class FastifyRouteInstrumentation extends FastifyOtelInstrumentation {
  constructor() {
    super({ registerOnInitialization: true, instrumentHooks: false, instrumentHandler: false });
    this.setTracerProvider();
  }

  override setTracerProvider(): void {
    super.setTracerProvider(new ProxyTracerProvider());
  }
}

export function instrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: isExcluded,
      redactedQueryParamsServer: REDACTED_QUERY_PARAMS,
    }),
    new FastifyRouteInstrumentation(),
  ];
}
