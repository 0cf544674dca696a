/** The telemetry contract's shape: routes, their server span and children, resource keys, metrics, logs. */
import type { SpanKindName } from '../receiver/model.js';

export interface ContractRoute {
  method: string;
  path: string;
  /** The status the route answers with. */
  status: number;
}

export interface SpanShape {
  name: string;
  kind: SpanKindName;
  /** Attribute keys, sorted. */
  attributes: string[];
}

export interface RouteShape extends ContractRoute {
  /** Left out for a route listed by hand and not recorded yet. */
  server?: SpanShape;
  /** The server span's direct children, one per name and kind, sorted by name. */
  children?: SpanShape[];
}

export interface MetricShape {
  name: string;
  unit: string;
  attributes: string[];
}

export interface TelemetryContract {
  version: 1;
  routes: RouteShape[];
  resource: string[];
  /** Left out when the service exports no metrics. */
  metrics?: MetricShape[];
  /** Left out when the service exports no logs. */
  logs?: { traceContext: boolean };
}
