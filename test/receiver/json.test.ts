import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseJson, parseJsonAt } from '../../src/receiver/json.js';

describe('parseJson', () => {
  it('agrees with JSON.parse on ordinary documents', () => {
    const doc = {
      s: 'a "quoted" \\ string with \n newline, tab\t, unicode é ✓ 😀 and \u0001',
      n: [0, -1, 1.5, -2.5e-3, 1e21, 123456789],
      b: [true, false, null],
      o: { nested: { deeper: [[], {}] } },
    };
    const text = JSON.stringify(doc, null, 4);
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it('keeps integers beyond 2^53 as bigint, and safe ones as number', () => {
    expect(parseJson('[9007199254740991, 9007199254740993, -18446744073709551615, 1.0e30]')).toEqual([
      9007199254740991,
      9007199254740993n,
      -18446744073709551615n,
      1e30,
    ]);
  });

  it("accepts Python json.dumps' NaN and Infinity literals", () => {
    const v = parseJson('{"a": NaN, "b": Infinity, "c": -Infinity}') as Record<string, number>;
    expect(v.a).toBeNaN();
    expect(v.b).toBe(Number.POSITIVE_INFINITY);
    expect(v.c).toBe(Number.NEGATIVE_INFINITY);
  });

  it('decodes escapes, including surrogate pairs', () => {
    expect(parseJson('"\\ud83d\\ude00 \\u00e9 \\/ \\b\\f\\r"')).toBe('😀 é / \b\f\r');
  });

  it('creates an own __proto__ key instead of changing the prototype', () => {
    const v = parseJson('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    '',
    '{',
    '{"a" 1}',
    '{"a":1,}',
    '[1 2]',
    '"unterminated',
    '"bad \\x escape"',
    '01',
    '{a:1}',
    '"raw\nnewline"',
    '1 2',
  ])('rejects %j', (text) => {
    expect(() => parseJson(text)).toThrow(JsonSyntaxError);
  });

  it('rejects absurd nesting instead of overflowing the stack', () => {
    expect(() => parseJson('['.repeat(100_000))).toThrow(/too deep/);
  });
});

describe('parseJsonAt', () => {
  it('parses one value at an offset and reports where it ended', () => {
    const text = 'log line {"a": "}"} trailing';
    const start = text.indexOf('{');
    const { value, end } = parseJsonAt(text, start);
    expect(value).toEqual({ a: '}' });
    expect(text.slice(end)).toBe(' trailing');
  });
});
