import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isoToUnixNanos, parseConsoleSpans } from '../../src/receiver/console.js';

// Real ConsoleSpanExporter output (opentelemetry-sdk 1.45.2), with log lines wrapped around it that
// contain braces, quotes and a JSON object that is not a span.
const sample = readFileSync(new URL('./fixtures/console-output.txt', import.meta.url), 'utf8');
const TRACE_ID = '68297c3480dad544ee98fb09975f6277';

describe('parseConsoleSpans', () => {
  it('finds exactly the spans among other output', () => {
    const spans = parseConsoleSpans(sample, 99);
    expect(spans.map((s) => s.name)).toEqual(['child', 'parent']);
  });

  it('converts every field of a span', () => {
    const [child, parent] = parseConsoleSpans(sample, 99);
    expect(parent).toEqual({
      traceId: TRACE_ID,
      spanId: 'a358692737714a8f',
      parentSpanId: '',
      traceState: '',
      name: 'parent',
      kind: 'SERVER',
      startTimeUnixNano: 1795626290897403000n,
      endTimeUnixNano: 1795626290897722000n,
      attributes: {
        s: 'x"{y}',
        i: 4611686018427387904n,
        big: 18446744073709551616n,
        f: Number.NaN,
        l: [1, 2],
        m: { a: 1 },
      },
      status: { code: 'UNSET', message: '' },
      events: [{ name: 'ev', timeUnixNano: 1795626290897423000n, attributes: { k: 'v' } }],
      links: [],
      resource: {
        'telemetry.sdk.language': 'python',
        'telemetry.sdk.name': 'opentelemetry',
        'telemetry.sdk.version': '1.45.2',
        'service.instance.id': 'fa34bfef-243c-4fb4-ad14-484eed6a467a',
        'service.name': 'svc',
      },
      scope: { name: '', version: '' },
      transport: 'console',
      receivedAtMs: 99,
    });
    expect(child?.parentSpanId).toBe('a358692737714a8f');
    expect(child?.kind).toBe('INTERNAL');
    expect(child?.status).toEqual({ code: 'ERROR', message: 'boom' });
    expect(child?.links).toEqual([
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: 'a3ce929d0e0e4736', attributes: { r: 'b' } },
    ]);
  });

  it('converts a Python TraceState repr to the W3C form', () => {
    const out = sample.replace(
      '"trace_state": "[]"',
      `"trace_state": "['{key=vendor, value=abc}', '{key=k2, value=v2}']"`,
    );
    expect(parseConsoleSpans(out)[0]?.traceState).toBe('vendor=abc,k2=v2');
  });

  it('handles CRLF output and spans glued to other text', () => {
    const glued = `prefix text${sample.replace(/\n/g, '\r\n')}suffix`;
    expect(parseConsoleSpans(glued).map((s) => s.spanId)).toEqual(['339f0fbccb3d2032', 'a358692737714a8f']);
  });

  it('skips a truncated span and returns nothing for output without spans', () => {
    const cut = sample.slice(0, sample.lastIndexOf('"resource"'));
    expect(parseConsoleSpans(cut).map((s) => s.name)).toEqual(['child']);
    expect(parseConsoleSpans('no spans here { "x": 1 } {')).toEqual([]);
  });

  it('stamps receivedAtMs with the current time by default', () => {
    const before = Date.now();
    expect(parseConsoleSpans(sample)[0]?.receivedAtMs).toBeGreaterThanOrEqual(before);
  });
});

describe('isoToUnixNanos', () => {
  it.each([
    ['1970-01-01T00:00:00.000000Z', 0n],
    ['2023-11-14T22:13:20.123456Z', 1700000000123456000n],
    ['2023-11-14T22:13:20Z', 1700000000000000000n],
    ['2023-11-14T22:13:20.123456789Z', 1700000000123456789n],
    ['2023-11-15T00:13:20.5+02:00', 1700000000500000000n],
    ['2023-11-14T22:13:20.1', 1700000000100000000n],
    ['not a time', 0n],
    [null, 0n],
  ])('%s → %s', (iso, nanos) => {
    expect(isoToUnixNanos(iso)).toBe(nanos);
  });
});
