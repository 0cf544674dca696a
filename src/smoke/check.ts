/** What every smoke check module shares: the pass/fail line builder, the HTTP attribute keys, the check context. */
import type { ReceivedLog, ReceivedMetricPoint, ReceivedSpan } from '../receiver/model.js';
import type { SentRequest, ShutdownOutcome, SmokeCheck, SmokeExpectation } from './types.js';

// Old and stable HTTP semantic conventions: instrumentations emit one or the other (or both).
export const HTTP_METHOD_KEYS = ['http.request.method', 'http.method'];
export const HTTP_ROUTE_KEYS = ['http.route'];
export const HTTP_STATUS_KEYS = ['http.response.status_code', 'http.status_code'];
export const HTTP_PATH_KEYS = ['url.path', 'http.target', 'http.url', 'url.full'];

export const check = (name: string, ok: boolean, detail: string, diagnosis?: string): SmokeCheck =>
  ok ? { name, ok, detail } : { name, ok, detail, ...(diagnosis ? { diagnosis } : {}) };

export interface SmokeInput {
  expectation: SmokeExpectation;
  spans: ReceivedSpan[];
  requests: SentRequest[];
  shutdown: ShutdownOutcome;
  /** Whether spans could only arrive at exit (console exporter: read from stdout afterwards). */
  spansReadAfterExit: boolean;
  /** Log records and metric points received; left out when those signals are not checked. */
  logs?: ReceivedLog[];
  metrics?: ReceivedMetricPoint[];
}

/** What the named checks share: the input, plus the sample request's spans once found. */
export interface CheckContext extends SmokeInput {
  sample?: SentRequest;
  continued?: SentRequest;
  /** SERVER spans named as expected. */
  servers: ReceivedSpan[];
  /**
   * The sample request's server span (not the one continuing the inbound trace): the one named as expected,
   * else the one whose path is the sample's.
   */
  sampleServer?: ReceivedSpan;
  /** sampleServer was found by its path: it is named otherwise than expected (judged once, by its own check). */
  misnamed?: boolean;
  /** The manual child of the sample server span, when one is expected and found. */
  sampleChild?: ReceivedSpan;
}

export type NamedCheck = (ctx: CheckContext) => SmokeCheck | undefined;
