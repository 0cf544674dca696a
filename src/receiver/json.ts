/**
 * A small lossless JSON parser. JSON.parse would round integers beyond 2^53 (OTLP int64 attribute
 * values, Python ints) and rejects the NaN/Infinity literals Python's json.dumps emits for floats;
 * this parser keeps such integers as bigint and accepts those literals. It can also parse one value
 * starting at an offset, which the console scanner uses to pick JSON objects out of mixed output.
 */

export type JsonValue = string | number | bigint | boolean | null | JsonValue[] | { [k: string]: JsonValue };

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'JsonSyntaxError';
  }
}

const MAX_DEPTH = 512; // deeper input is rejected rather than risking a stack overflow
const NUMBER_RE = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  pos: number;
  constructor(
    readonly text: string,
    start: number,
  ) {
    this.pos = start;
  }

  fail(message: string): never {
    throw new JsonSyntaxError(message, this.pos);
  }

  skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.pos++;
    }
  }

  literal(word: string): boolean {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return true;
    }
    return false;
  }

  value(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail('Nesting too deep');
    this.skipWs();
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (this.literal('true')) return true;
    if (this.literal('false')) return false;
    if (this.literal('null')) return null;
    if (this.literal('NaN')) return Number.NaN;
    if (this.literal('Infinity')) return Number.POSITIVE_INFINITY;
    if (this.literal('-Infinity')) return Number.NEGATIVE_INFINITY;
    return this.number();
  }

  number(): number | bigint {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.text);
    if (!m) this.fail('Unexpected character');
    this.pos += m[0].length;
    const n = Number(m[0]);
    const isInteger = m[1] === undefined && m[2] === undefined;
    return isInteger && !Number.isSafeInteger(n) ? BigInt(m[0]) : n;
  }

  string(): string {
    const t = this.text;
    this.pos++; // opening quote
    let out = '';
    let chunkStart = this.pos;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) {
        out += t.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail('Control character in string');
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += t.slice(chunkStart, this.pos);
      const e = t[this.pos + 1];
      if (e === 'u') {
        const hex = t.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('Bad unicode escape');
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
      } else {
        const mapped = e === undefined ? undefined : ESCAPES[e];
        if (mapped === undefined) this.fail('Bad escape');
        out += mapped;
        this.pos += 2;
      }
      chunkStart = this.pos;
    }
    return this.fail('Unterminated string');
  }

  array(depth: number): JsonValue[] {
    this.pos++;
    const out: JsonValue[] = [];
    this.skipWs();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.skipWs();
      const c = this.text[this.pos++];
      if (c === ']') return out;
      if (c !== ',') this.fail('Expected , or ]');
    }
  }

  object(depth: number): { [k: string]: JsonValue } {
    this.pos++;
    const out: { [k: string]: JsonValue } = {};
    this.skipWs();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      if (this.text[this.pos] !== '"') this.fail('Expected string key');
      const key = this.string();
      this.skipWs();
      if (this.text[this.pos++] !== ':') this.fail('Expected :');
      const v = this.value(depth + 1);
      // A plain assignment of "__proto__" would replace the prototype instead of adding a key.
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      this.skipWs();
      const c = this.text[this.pos++];
      if (c === '}') return out;
      if (c !== ',') this.fail('Expected , or }');
    }
  }
}

/** Parses a complete JSON document (surrounding whitespace allowed). */
export function parseJson(text: string): JsonValue {
  const p = new Parser(text, 0);
  const v = p.value(0);
  p.skipWs();
  if (p.pos !== text.length) p.fail('Unexpected trailing data');
  return v;
}

/** Parses one JSON value starting at `start`; returns it and the index just past it. */
export function parseJsonAt(text: string, start: number): { value: JsonValue; end: number } {
  const p = new Parser(text, start);
  const value = p.value(0);
  return { value, end: p.pos };
}
