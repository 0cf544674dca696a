/** The smoke test's shared shapes: what it is given, what it sends, what it concludes; no logic, imported by every part. */
import type { ServiceOptions } from '../options/schema.js';
import type { ReceivedSpan } from '../receiver/model.js';
import type { ContractRoute, TelemetryContract } from './contract-shape.js';

export interface SmokeExpectation {
  serviceName: string;
  environment: string;
  serverSpanName: string;
  /** The server span's http.route; null when the instrumentation records none for the route (Django's ''). */
  route: string | null;
  childSpanName: string;
  childAttributes: Record<string, string>;
  spansPerRequest: number;
  /** Paths requested that must produce no span. */
  excludedPaths: string[];
  /** The delay after which the batch processor would have exported on its own. */
  scheduleDelayMillis: number;
  /** Check the manual child span (default true). An existing app traced by add-tracing has none. */
  expectChild?: boolean;
  /**
   * How `spansPerRequest` is compared (default 'exact'). 'atLeast' is for existing apps, which may open
   * spans of their own inside a request.
   */
  spansPerRequestMode?: 'exact' | 'atLeast';
  /** Signals the service is expected to export besides spans (default: none checked). */
  signals?: readonly ('traces' | 'metrics' | 'logs')[];
  /** Text of the log record the sample route writes inside its span (generated services only). */
  logBody?: string;
}

export interface SentRequest {
  /** 'contract': a route the telemetry contract lists besides the sample one. */
  purpose: 'sample' | 'traceparent' | 'excluded' | 'contract';
  /** GET unless said. */
  method?: string;
  path: string;
  status: number;
  durationMs: number;
  /** For the traceparent request: the inbound ids. */
  inbound?: { traceId: string; spanId: string };
  error?: string;
  /** The start of the body of a non-2xx answer. */
  bodyExcerpt?: string;
  /** A random value sent as bearer token, cookie and query parameters that must reach no telemetry. */
  secret?: string;
}

export interface ShutdownOutcome {
  /** ms from SIGTERM to exit; undefined if it had to be killed. */
  exitAfterMs?: number;
  exitCode: number | null;
  signal: string | null;
  killed: boolean;
  /** Date.now() when SIGTERM was sent. */
  sigtermAtMs: number;
}

export interface SmokeCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What a failure means and what to do, in the guide's terms. */
  diagnosis?: string;
}

/** What a runtime-specific check sees of the main run. */
export interface RuntimeCheckInput {
  /** Everything the service printed, stderr first. */
  output: string;
  spans: ReceivedSpan[];
  /** The templated route the sample request hits. */
  route: string;
}

/**
 * What the smoke test needs from the language a service is written in. The full Runtime extends it;
 * taking only this keeps the smoke test below the runtimes.
 */
export interface SmokeRuntime {
  /** The service's process environment, from ours minus OTEL_* plus `extra`. */
  serviceEnv(envDir: string, extra: Record<string, string>): NodeJS.ProcessEnv;
  /** The parser of what the console exporter prints to stdout (loaded when a smoke test needs it). */
  consoleSpanParser(): Promise<(stdout: string) => ReceivedSpan[]>;
  /** Checks only this runtime's services need, run on the main run after the shared ones. */
  extraChecks?(run: RuntimeCheckInput): SmokeCheck[];
}

/** The telemetry contract's part in a run: the routes it adds, and the verdict on what the run emitted. */
export interface SmokeContract {
  /** Routes to send besides the sample one, each with its own traceparent. */
  routes: ContractRoute[];
  /** Compares the run's shape with the recorded contract, or records it. */
  judge(shape: TelemetryContract): SmokeCheck[];
}

export interface SmokeTarget {
  projectDir: string;
  /** The prepared environment (Python: the venv; Node: the directory of the node binary, '' for PATH's). */
  venvDir: string;
  options: ServiceOptions;
  /** How to start and read a service of this language. */
  runtime: SmokeRuntime;
  /** argv override for projects whose start command is not the framework default (add-tracing). */
  serverCommand?: (port: number) => string[];
  /** Readiness for projects that are not generated: any HTTP answer on this path means ready. */
  readyPath?: string;
  /** Variables the app needs (add-tracing: --env-file or .env); OTEL_* set by the smoke test win. */
  env?: Record<string, string>;
  /** The telemetry contract to check the run against or record (smoke --record / --update). */
  contract?: SmokeContract;
  /** Sample route override for projects that are not generated (add-tracing). */
  expectation?: Partial<SmokeExpectation> & { requestPath?: string };
}
