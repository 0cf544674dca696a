/** Small invented spans and log records for the view's tests. */
import type { ReceivedLog, ReceivedSpan } from '../../src/receiver/index.js';

export const HOSTILE = '<img src=x onerror="window.__pwned=1">';

const base = { resource: { 'service.name': 'shop' }, scope: { name: 'test', version: '1' } };

export function span(fields: Partial<ReceivedSpan> & Pick<ReceivedSpan, 'traceId' | 'spanId'>): ReceivedSpan {
  return {
    parentSpanId: '',
    traceState: '',
    name: 'GET /items/{id}',
    kind: 'SERVER',
    startTimeUnixNano: 1_700_000_000_000_000_000n,
    endTimeUnixNano: 1_700_000_000_020_000_000n,
    attributes: {},
    status: { code: 'UNSET', message: '' },
    events: [],
    links: [],
    transport: 'otlp-http-json',
    receivedAtMs: 0,
    ...base,
    ...fields,
  };
}

export function log(fields: Partial<ReceivedLog>): ReceivedLog {
  return {
    timeUnixNano: 1_700_000_000_010_000_000n,
    observedTimeUnixNano: 1_700_000_000_010_000_000n,
    severityNumber: 9,
    severityText: 'INFO',
    body: 'hello',
    attributes: {},
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
    resource: base.resource,
    scope: { ...base.scope, attributes: {}, droppedAttributesCount: 0 },
    transport: 'otlp-http-json',
    receivedAtMs: 0,
    ...fields,
  };
}

export const hex = (n: number, bytes: number) => n.toString(16).padStart(bytes * 2, '0');
