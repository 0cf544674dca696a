/**
 * What the generated telemetry module needs to know about signals and protocols: the defaults it
 * writes into the SDK's own OTEL_* variables when they are unset.
 */
import { effectiveEndpoint, SIGNALS, type ServiceOptions, type Signal } from './schema.js';

export type OtlpProtocol = 'grpc' | 'http/protobuf';

/** The OTEL_EXPORTER_OTLP_PROTOCOL value the --exporter choice stands for (console: gRPC, if switched to OTLP). */
export function defaultProtocol(o: Pick<ServiceOptions, 'exporter'>): OtlpProtocol {
  return o.exporter === 'otlp-http' ? 'http/protobuf' : 'grpc';
}

/**
 * The generic OTEL_EXPORTER_OTLP_ENDPOINT default. For HTTP it is the base URL (the exporters append
 * /v1/traces, /v1/metrics, /v1/logs); for gRPC the scheme carries the TLS choice, which is how the
 * OTLP specification lets an endpoint decide it (http:// plaintext, https:// TLS).
 */
export function defaultGenericEndpoint(o: Pick<ServiceOptions, 'exporter' | 'endpoint' | 'insecure'>): string {
  if (o.exporter === 'console') return '';
  const endpoint = effectiveEndpoint(o);
  if (o.exporter === 'otlp-http') return endpoint.replace(/\/v1\/traces\/?$/, '');
  if (/^https?:\/\//i.test(endpoint)) return endpoint;
  return `${o.insecure ? 'http' : 'https'}://${endpoint}`;
}

/** OTEL_{TRACES,METRICS,LOGS}_EXPORTER defaults: otlp for the chosen signals, none for the others. */
export function defaultSignalExporters(o: Pick<ServiceOptions, 'exporter' | 'signals'>): Record<Signal, string> {
  const chosen = (s: Signal) => o.signals.includes(s);
  if (o.exporter === 'console') {
    // Development: spans printed; logs reach the console through the logging handler already (with
    // their trace ids); metrics would only repeat every minute.
    return { traces: chosen('traces') ? 'console' : 'none', metrics: 'none', logs: 'none' };
  }
  return Object.fromEntries(SIGNALS.map((s) => [s, chosen(s) ? 'otlp' : 'none'])) as Record<Signal, string>;
}

export function signalsContext(o: ServiceOptions) {
  const exporters = defaultSignalExporters(o);
  return {
    list: o.signals.join(','),
    traces: o.signals.includes('traces'),
    metrics: o.signals.includes('metrics'),
    logs: o.signals.includes('logs'),
    tracesExporter: exporters.traces,
    metricsExporter: exporters.metrics,
    logsExporter: exporters.logs,
    protocol: defaultProtocol(o),
    genericEndpoint: defaultGenericEndpoint(o),
  };
}
