/**
 * One sample ExportTraceServiceRequest in both wire shapes (protobuf object and OTLP/JSON), plus the
 * ReceivedSpan fields every transport must decode it to.
 */
import { expect } from 'vitest';
import { ExportTraceServiceRequest } from '../../src/receiver/proto.js';
import type { ReceivedSpan, Transport } from '../../src/receiver/model.js';

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
export const PARENT_ID = 'b7ad6b7169203331';
export const CHILD_ID = '00f067aa0ba902b7';
export const LINK_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
export const LINK_SPAN_ID = 'a3ce929d0e0e4736';
const BYTES = [0, 1, 2, 254, 255];

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

/** Protobuf-shaped request, as protobufjs fromObject() takes it (bytes as Buffer, int64 as strings). */
export function sampleProtoObject(): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'checkout' } },
            { key: 'telemetry.sdk.language', value: { stringValue: 'python' } },
          ],
        },
        scopeSpans: [
          {
            scope: {
              name: 'cts.test',
              version: '1.2.3',
              attributes: [{ key: 'scope.k', value: { stringValue: 'v' } }],
              droppedAttributesCount: 1,
            },
            spans: [
              {
                traceId: hex(TRACE_ID),
                spanId: hex(PARENT_ID),
                traceState: 'vendor=abc',
                name: 'GET /items',
                kind: 2,
                flags: 0x101,
                startTimeUnixNano: '1700000000123456789',
                endTimeUnixNano: '1700000000223456789',
                attributes: [
                  { key: 'str', value: { stringValue: 'hello' } },
                  { key: 'bool', value: { boolValue: true } },
                  { key: 'false', value: { boolValue: false } },
                  { key: 'int', value: { intValue: 42 } },
                  { key: 'zero', value: { intValue: 0 } },
                  { key: 'neg', value: { intValue: '-7' } },
                  { key: 'big', value: { intValue: '9007199254740993' } },
                  { key: 'double', value: { doubleValue: 3.25 } },
                  { key: 'integral-double', value: { doubleValue: 3 } },
                  {
                    key: 'array',
                    value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1 }, { boolValue: false }] } },
                  },
                  {
                    key: 'kv',
                    value: {
                      kvlistValue: {
                        values: [
                          { key: 'inner', value: { stringValue: 'x' } },
                          { key: 'nested', value: { arrayValue: { values: [{ doubleValue: 0.5 }] } } },
                        ],
                      },
                    },
                  },
                  { key: 'bytes', value: { bytesValue: Buffer.from(BYTES) } },
                  { key: 'empty', value: {} },
                ],
                events: [
                  {
                    timeUnixNano: '1700000000150000000',
                    name: 'cache.miss',
                    attributes: [{ key: 'cache.key', value: { stringValue: 'items:1' } }],
                  },
                ],
                links: [
                  {
                    traceId: hex(LINK_TRACE_ID),
                    spanId: hex(LINK_SPAN_ID),
                    attributes: [{ key: 'link.reason', value: { stringValue: 'batch' } }],
                    traceState: 'linked=1',
                    flags: 0x301,
                    droppedAttributesCount: 2,
                  },
                ],
                droppedAttributesCount: 3,
                droppedEventsCount: 4,
                droppedLinksCount: 5,
                status: { code: 1, message: '' },
              },
              {
                traceId: hex(TRACE_ID),
                spanId: hex(CHILD_ID),
                parentSpanId: hex(PARENT_ID),
                name: 'load items',
                kind: 1,
                startTimeUnixNano: '1700000000130000000',
                endTimeUnixNano: '1700000000140000000',
                status: { code: 2, message: 'db timeout' },
              },
            ],
          },
        ],
      },
    ],
  };
}

export function sampleProtoBytes(): Uint8Array {
  return ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(sampleProtoObject())).finish();
}

/** The same request in OTLP/JSON: hex ids, base64 bytes, int64 as strings, enums as ints or names. */
export function sampleJson(): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'checkout' } },
            { key: 'telemetry.sdk.language', value: { stringValue: 'python' } },
          ],
        },
        scopeSpans: [
          {
            scope: {
              name: 'cts.test',
              version: '1.2.3',
              attributes: [{ key: 'scope.k', value: { stringValue: 'v' } }],
              droppedAttributesCount: 1,
            },
            spans: [
              {
                traceId: TRACE_ID.toUpperCase(), // hex is case-insensitive on input
                spanId: PARENT_ID,
                traceState: 'vendor=abc',
                name: 'GET /items',
                kind: 'SPAN_KIND_SERVER',
                flags: 257,
                startTimeUnixNano: '1700000000123456789',
                endTimeUnixNano: '1700000000223456789',
                attributes: [
                  { key: 'str', value: { stringValue: 'hello' } },
                  { key: 'bool', value: { boolValue: true } },
                  { key: 'false', value: { boolValue: false } },
                  { key: 'int', value: { intValue: '42' } },
                  { key: 'zero', value: { intValue: 0 } },
                  { key: 'neg', value: { intValue: -7 } },
                  { key: 'big', value: { intValue: '9007199254740993' } },
                  { key: 'double', value: { doubleValue: 3.25 } },
                  { key: 'integral-double', value: { doubleValue: 3 } },
                  {
                    key: 'array',
                    value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }, { boolValue: false }] } },
                  },
                  {
                    key: 'kv',
                    value: {
                      kvlistValue: {
                        values: [
                          { key: 'inner', value: { stringValue: 'x' } },
                          { key: 'nested', value: { arrayValue: { values: [{ doubleValue: 0.5 }] } } },
                        ],
                      },
                    },
                  },
                  { key: 'bytes', value: { bytesValue: Buffer.from(BYTES).toString('base64') } },
                  { key: 'empty', value: {} },
                ],
                events: [
                  {
                    timeUnixNano: '1700000000150000000',
                    name: 'cache.miss',
                    attributes: [{ key: 'cache.key', value: { stringValue: 'items:1' } }],
                  },
                ],
                links: [
                  {
                    traceId: LINK_TRACE_ID,
                    spanId: LINK_SPAN_ID,
                    attributes: [{ key: 'link.reason', value: { stringValue: 'batch' } }],
                    traceState: 'linked=1',
                    flags: 0x301,
                    droppedAttributesCount: 2,
                  },
                ],
                droppedAttributesCount: 3,
                droppedEventsCount: 4,
                droppedLinksCount: 5,
                status: { code: 'STATUS_CODE_OK' },
              },
              {
                traceId: TRACE_ID,
                spanId: CHILD_ID,
                parentSpanId: PARENT_ID,
                name: 'load items',
                kind: 1,
                startTimeUnixNano: 1700000000130000000n.toString(),
                endTimeUnixNano: '1700000000140000000',
                status: { code: 2, message: 'db timeout' },
              },
            ],
          },
        ],
      },
    ],
  };
}

/** Asserts `spans` is exactly the decoded sample, field by field. */
export function expectSampleSpans(spans: ReceivedSpan[], transport: Transport): void {
  expect(spans).toHaveLength(2);
  const [parent, child] = spans as [ReceivedSpan, ReceivedSpan];
  const resource = { 'service.name': 'checkout', 'telemetry.sdk.language': 'python' };
  const scope = { name: 'cts.test', version: '1.2.3', attributes: { 'scope.k': 'v' }, droppedAttributesCount: 1 };

  expect(parent.traceId).toBe(TRACE_ID);
  expect(parent.spanId).toBe(PARENT_ID);
  expect(parent.parentSpanId).toBe('');
  expect(parent.traceState).toBe('vendor=abc');
  expect(parent.name).toBe('GET /items');
  expect(parent.kind).toBe('SERVER');
  expect(parent.startTimeUnixNano).toBe(1700000000123456789n);
  expect(parent.endTimeUnixNano).toBe(1700000000223456789n);
  expect(parent.attributes).toEqual({
    str: 'hello',
    bool: true,
    false: false,
    int: 42n,
    zero: 0n,
    neg: -7n,
    big: 9007199254740993n,
    double: 3.25,
    'integral-double': 3,
    array: ['a', 1n, false],
    kv: { inner: 'x', nested: [0.5] },
    bytes: new Uint8Array(BYTES),
    empty: null,
  });
  expect(parent.attributes.bytes).toBeInstanceOf(Uint8Array);
  expect(parent.status).toEqual({ code: 'OK', message: '' });
  // int vs double stay distinct: an OTLP intValue is a bigint, a doubleValue a number, even when integral.
  expect(typeof parent.attributes.int).toBe('bigint');
  expect(typeof parent.attributes['integral-double']).toBe('number');
  expect(parent.events).toEqual([
    {
      name: 'cache.miss',
      timeUnixNano: 1700000000150000000n,
      attributes: { 'cache.key': 'items:1' },
      droppedAttributesCount: 0,
    },
  ]);
  expect(parent.links).toEqual([
    {
      traceId: LINK_TRACE_ID,
      spanId: LINK_SPAN_ID,
      attributes: { 'link.reason': 'batch' },
      traceState: 'linked=1',
      flags: 0x301,
      droppedAttributesCount: 2,
    },
  ]);
  expect(parent.flags).toBe(0x101);
  expect([parent.droppedAttributesCount, parent.droppedEventsCount, parent.droppedLinksCount]).toEqual([3, 4, 5]);
  expect(parent.resource).toEqual(resource);
  expect(parent.scope).toEqual(scope);
  expect(parent.transport).toBe(transport);
  expect(typeof parent.receivedAtMs).toBe('number');

  expect(child.traceId).toBe(TRACE_ID);
  expect(child.spanId).toBe(CHILD_ID);
  expect(child.parentSpanId).toBe(PARENT_ID);
  expect(child.traceState).toBe('');
  expect(child.name).toBe('load items');
  expect(child.kind).toBe('INTERNAL');
  expect(child.startTimeUnixNano).toBe(1700000000130000000n);
  expect(child.endTimeUnixNano).toBe(1700000000140000000n);
  expect(child.attributes).toEqual({});
  expect(child.events).toEqual([]);
  expect(child.links).toEqual([]);
  expect(child.status).toEqual({ code: 'ERROR', message: 'db timeout' });
  expect(child.resource).toEqual(resource);
  expect(child.scope).toEqual(scope);
  expect(child.transport).toBe(transport);
  expect(child.receivedAtMs).toBe(parent.receivedAtMs);
}
