/**
 * The receiver's caps, in one place: how much one request, and one smoke-test run, may make it read, inflate,
 * decode and keep. The receiver runs inside the CLI, so anything unbounded here is the CLI's own heap.
 */
export interface ReceiverLimits {
  /** Body bytes on the wire (an HTTP body as sent, a gRPC message before grpc-encoding is undone). */
  maxRequestBytes: number;
  /** Body bytes once Content-Encoding is undone. */
  maxDecodedBytes: number;
  /** Protobuf fields or JSON values in one request: what decoding turns into objects, counted before it. */
  maxRequestElements: number;
  /** Message or JSON nesting depth. */
  maxNesting: number;
  /** Spans, log records and metric points kept per run, all signals together (an empty request costs one). */
  maxRunItems: number;
  /** Decoded body bytes accepted per run. */
  maxRunBytes: number;
}

/**
 * An SDK exports at most 512 spans or log records per request (the batch processors' default
 * max_export_batch_size), well under 2 MB even with large attributes, and a smoke test sees a few hundred items
 * over a few dozen requests. The caps are 10 to 100 times that, yet keep one run's heap to a few hundred MB
 * whatever arrives: 32 MiB of decoded protobuf with at most 1 M fields decodes in well under a second.
 */
export const DEFAULT_LIMITS: Readonly<ReceiverLimits> = Object.freeze({
  maxRequestBytes: 8 * 1024 * 1024,
  maxDecodedBytes: 32 * 1024 * 1024,
  maxRequestElements: 1_000_000,
  // Attribute values nest (kvlist in kvlist), three levels per map; no exporter nests a tenth as deep.
  maxNesting: 64,
  maxRunItems: 100_000,
  maxRunBytes: 64 * 1024 * 1024,
});

export function receiverLimits(overrides: Partial<ReceiverLimits> = {}): ReceiverLimits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/** A cap was reached: `request` ones answer 413 (the same request will never fit), `run` ones 429. */
export class LimitError extends Error {
  constructor(
    readonly scope: 'request' | 'run',
    message: string,
  ) {
    super(message);
    this.name = 'LimitError';
  }
}
