import { describe, expect, it } from 'vitest';
import {
  OtlpDecodeError,
  decodeExportRequest,
  decodeJsonRequest,
  decodeProtobufRequest,
} from '../../src/receiver/decode.js';
import { ExportTraceServiceRequest } from '../../src/receiver/proto.js';
import { expectSampleSpans, sampleJson, sampleProtoBytes } from './fixtures.js';

const ctx = { transport: 'otlp-http-json' as const, receivedAtMs: 1234 };

function oneSpanRequest(span: Record<string, unknown>): string {
  return JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
}

describe('decodeProtobufRequest', () => {
  it('decodes every field of the sample', () => {
    expectSampleSpans(decodeProtobufRequest(sampleProtoBytes(), { ...ctx, transport: 'otlp-grpc' }), 'otlp-grpc');
  });

  it('copies bytes values out of the request buffer', () => {
    const body = Buffer.from(sampleProtoBytes());
    const [span] = decodeProtobufRequest(body, ctx);
    const bytes = span?.attributes.bytes as Uint8Array;
    body.fill(0);
    expect([...bytes]).toEqual([0, 1, 2, 254, 255]);
  });

  it('returns no spans for an empty request', () => {
    expect(decodeProtobufRequest(new Uint8Array(), ctx)).toEqual([]);
  });

  it('rejects malformed protobuf', () => {
    expect(() => decodeProtobufRequest(Buffer.from([0x0a, 0xff, 0xff, 0xff]), ctx)).toThrow(OtlpDecodeError);
  });

  it('defaults missing fields', () => {
    const bytes = ExportTraceServiceRequest.encode(
      ExportTraceServiceRequest.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: [{}] }] }] }),
    ).finish();
    expect(decodeProtobufRequest(bytes, ctx)).toEqual([
      {
        traceId: '',
        spanId: '',
        parentSpanId: '',
        traceState: '',
        name: '',
        kind: 'UNSPECIFIED',
        startTimeUnixNano: 0n,
        endTimeUnixNano: 0n,
        attributes: {},
        flags: 0,
        droppedAttributesCount: 0,
        droppedEventsCount: 0,
        droppedLinksCount: 0,
        status: { code: 'UNSET', message: '' },
        events: [],
        links: [],
        resource: {},
        scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 },
        transport: 'otlp-http-json',
        receivedAtMs: 1234,
      },
    ]);
  });
});

describe('decodeJsonRequest', () => {
  it('decodes the OTLP/JSON form of the sample', () => {
    expectSampleSpans(decodeJsonRequest(JSON.stringify(sampleJson()), ctx), 'otlp-http-json');
  });

  it('keeps unquoted int64 numbers beyond 2^53 exact', () => {
    const body =
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":1700000000123456789,' +
      '"attributes":[{"key":"n","value":{"intValue":-9223372036854775808}}]}]}]}]}';
    const [span] = decodeJsonRequest(body, ctx);
    expect(span?.startTimeUnixNano).toBe(1700000000123456789n);
    expect(span?.attributes.n).toBe(-9223372036854775808n);
  });

  it('accepts snake_case keys, bare enum names and non-finite doubles', () => {
    const body = JSON.stringify({
      resource_spans: [
        {
          scope_spans: [
            {
              spans: [
                {
                  trace_id: 'AAECAwQFBgcICQoLDA0ODw==', // base64 is tolerated for ids
                  kind: 'CLIENT',
                  status: { code: 'ERROR' },
                  attributes: [
                    { key: 'inf', value: { double_value: 'Infinity' } },
                    { key: 'nan', value: { doubleValue: 'NaN' } },
                    { key: 'quoted', value: { doubleValue: '1.5' } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    const [span] = decodeJsonRequest(body, ctx);
    expect(span?.traceId).toBe('000102030405060708090a0b0c0d0e0f');
    expect(span?.kind).toBe('CLIENT');
    expect(span?.status.code).toBe('ERROR');
    expect(span?.attributes.inf).toBe(Number.POSITIVE_INFINITY);
    expect(span?.attributes.nan).toBeNaN();
    expect(span?.attributes.quoted).toBe(1.5);
  });

  it('maps unknown numeric enum values to the default', () => {
    const [span] = decodeJsonRequest(oneSpanRequest({ kind: 42, status: { code: 9 } }), ctx);
    expect(span?.kind).toBe('UNSPECIFIED');
    expect(span?.status.code).toBe('UNSET');
  });

  it('treats __proto__ attribute keys as plain keys', () => {
    const [span] = decodeJsonRequest(
      oneSpanRequest({ attributes: [{ key: '__proto__', value: { stringValue: 'x' } }] }),
      ctx,
    );
    expect(Object.getPrototypeOf(span?.attributes)).toBe(Object.prototype);
    expect(Object.keys(span?.attributes ?? {})).toEqual(['__proto__']);
  });

  it.each([
    ['not JSON', '{"resourceSpans": ['],
    ['a non-object request', '[]'],
    ['resourceSpans not an array', '{"resourceSpans": {}}'],
    ['a bad id', oneSpanRequest({ traceId: 'zz-not-an-id' })],
    ['a bad int64', oneSpanRequest({ startTimeUnixNano: '12abc' })],
    ['a bad enum name', oneSpanRequest({ kind: 'SPAN_KIND_SIDEWAYS' })],
    ['a non-string name', oneSpanRequest({ name: 5 })],
    ['a non-boolean boolValue', oneSpanRequest({ attributes: [{ key: 'b', value: { boolValue: 'yes' } }] })],
  ])('rejects %s', (_label, body) => {
    expect(() => decodeJsonRequest(body, ctx)).toThrow(OtlpDecodeError);
  });
});

describe('decodeExportRequest', () => {
  it('shares one resource object between the spans of a ResourceSpans', () => {
    const spans = decodeExportRequest(sampleJson(), ctx);
    expect(spans[0]?.resource).toBe(spans[1]?.resource);
  });
});
