/**
 * Checks a pattern against the syntax rules of Python's `re` module (as of Python 3.11, the oldest the
 * generated services run on), without needing Python. Excluded URLs run in the service as Python
 * regular expressions, so a pattern JavaScript accepts (`\e`, `\p{L}`, `\k<a>`) can still kill the
 * service on import.
 *
 * The answer is "ok", "invalid" (Python's `re.compile` raises; the message is Python's own) or
 * "unsupported": constructs this checker does not model, whose validity depends on the Python version or
 * on the other patterns they are joined with (named groups, backreferences, inline flags, lookbehind,
 * atomic groups, possessive quantifiers, `\N{...}`, comments, set-operation look-alikes in classes).
 */

export type PythonRegexCheck = { ok: true } | { ok: false; kind: 'invalid' | 'unsupported'; message: string };

const DIGITS = /^[0-9]$/;
const OCT = /^[0-7]$/;
const HEX = /^[0-9A-Fa-f]$/;
const ASCII_LETTER = /^[A-Za-z]$/;
/** Escapes that are single characters in both contexts: \a \f \n \r \t \v \\ (and \b inside a class). */
const CHAR_ESCAPES = new Set(['a', 'f', 'n', 'r', 't', 'v', '\\']);
/** Class-like escapes, valid inside and outside a class. */
const CLASS_CATEGORIES = new Set(['d', 'D', 's', 'S', 'w', 'W']);
/** Zero-width escapes, valid only outside a class. */
const AT_CATEGORIES = new Set(['A', 'b', 'B', 'Z']);
/** Characters after "(?" that start a construct this checker leaves to Python. */
const UNSUPPORTED_EXTENSIONS = new Set(['P', '#', '<', '(', '>', '-', 'a', 'i', 'L', 'm', 's', 'x', 't', 'u']);
const MAXREPEAT = 4294967295;
const MAX_NESTING = 50;

class Stop extends Error {
  constructor(
    readonly kind: 'invalid' | 'unsupported',
    message: string,
  ) {
    super(message);
  }
}
const invalid = (message: string) => new Stop('invalid', message);
const unsupported = (message: string) => new Stop('unsupported', message);

/** What the last element of the current sequence was, for the quantifier rules. */
type Last = 'none' | 'at' | 'repeat' | 'item';

class Checker {
  private pos = 0;
  private depth = 0;
  /** Where a lone final backslash is: Python's tokenizer fails as soon as it reads up to it. */
  private readonly danglingAt: number;

  constructor(private readonly chars: string[]) {
    let i = 0;
    while (i < chars.length - 1) i += chars[i] === '\\' ? 2 : 1;
    this.danglingAt = i === chars.length - 1 && chars[i] === '\\' ? i : -1;
    if (this.danglingAt === 0) throw invalid('bad escape (end of pattern)');
  }

  private get next(): string | undefined {
    return this.chars[this.pos];
  }

  private take(): string | undefined {
    const c = this.chars[this.pos++];
    if (this.pos === this.danglingAt) throw invalid('bad escape (end of pattern)');
    return c;
  }

  private takeWhile(max: number, re: RegExp): string {
    let out = '';
    while (out.length < max && this.next !== undefined && re.test(this.next)) out += this.take();
    return out;
  }

  run(): void {
    this.alternation();
    if (this.next !== undefined) throw invalid('unbalanced parenthesis');
  }

  /** A sequence of alternatives, up to a ")" or the end. */
  private alternation(): void {
    this.sequence();
    while (this.next === '|') {
      this.take();
      this.sequence();
    }
  }

  private sequence(): void {
    let last: Last = 'none';
    for (;;) {
      const c = this.next;
      if (c === undefined || c === '|' || c === ')') return;
      this.take();
      if (c === '\\') last = this.escape();
      else if (c === '[') last = (this.charClass(), 'item');
      else if (c === '(') last = (this.group(), 'item');
      else if (c === '^' || c === '$') last = 'at';
      else if (c === '*' || c === '+' || c === '?') last = this.repeat(last, c);
      else if (c === '{') last = this.brace(last);
      else last = 'item';
    }
  }

  private repeat(last: Last, c: string): Last {
    if (last === 'none' || last === 'at') throw invalid('nothing to repeat');
    if (last === 'repeat') throw invalid('multiple repeat');
    if (this.next === '?') this.take();
    else if (this.next === '+') throw unsupported(`a possessive quantifier (${c}+)`);
    return 'repeat';
  }

  /** "{m,n}" is a quantifier only when it is complete; otherwise "{" is a literal. */
  private brace(last: Last): Last {
    if (this.next === '}') return 'item';
    const start = this.pos;
    const lo = this.takeWhile(Infinity, DIGITS);
    let hi = lo;
    if (this.next === ',') {
      this.take();
      hi = this.takeWhile(Infinity, DIGITS);
    }
    if (this.next !== '}') {
      this.pos = start;
      return 'item';
    }
    this.take();
    const min = lo ? Number(lo) : 0;
    const max = hi ? Number(hi) : MAXREPEAT;
    if ((lo && min >= MAXREPEAT) || (hi && max >= MAXREPEAT)) throw invalid('the repetition number is too large');
    if (hi && max < min) throw invalid('min repeat greater than max repeat');
    return this.repeat(last, '}');
  }

  private group(): void {
    if (++this.depth > MAX_NESTING) throw unsupported(`more than ${MAX_NESTING} nested groups`);
    if (this.next === '?') {
      this.take();
      const c = this.take();
      if (c === undefined) throw invalid('unexpected end of pattern');
      if (UNSUPPORTED_EXTENSIONS.has(c)) throw unsupported(`the group syntax (?${c}`);
      if (c !== ':' && c !== '=' && c !== '!') {
        // Python's tokenizer reads a backslash and the character after it as one token.
        if (c !== '\\') throw invalid(`unknown extension ?${c}`);
        const escaped = this.take();
        if (escaped === undefined) throw invalid('bad escape (end of pattern)');
        throw invalid(`unknown extension ?\\${escaped}`);
      }
    }
    this.alternation();
    if (this.take() !== ')') throw invalid('missing ), unterminated subpattern');
    this.depth--;
  }

  /** An escape outside a class (the backslash is consumed). */
  private escape(): Last {
    const c = this.take();
    if (c === undefined) throw invalid('bad escape (end of pattern)');
    if (AT_CATEGORIES.has(c)) return 'at';
    if (CLASS_CATEGORIES.has(c) || CHAR_ESCAPES.has(c)) return 'item';
    if (c === '0') {
      this.takeWhile(2, OCT);
      return 'item';
    }
    if (DIGITS.test(c)) {
      let digits = c;
      if (this.next !== undefined && DIGITS.test(this.next)) {
        digits += this.take();
        if (OCT.test(digits[0]!) && OCT.test(digits[1]!) && this.next !== undefined && OCT.test(this.next)) {
          digits += this.take();
          if (parseInt(digits, 8) > 0o377) throw invalid(`octal escape value \\${digits} outside of range 0-0o377`);
          return 'item';
        }
      }
      throw unsupported(`a group reference (\\${digits})`);
    }
    this.common(c);
    return 'item';
  }

  /** Escapes with the same rules in and out of a class: \x, \u, \U, \N, and the rest. */
  private common(c: string): void {
    if (c === 'x' || c === 'u' || c === 'U') {
      const width = c === 'x' ? 2 : c === 'u' ? 4 : 8;
      const digits = this.takeWhile(width, HEX);
      if (digits.length !== width) throw invalid(`incomplete escape \\${c}${digits}`);
      if (c === 'U' && parseInt(digits, 16) > 0x10ffff) throw invalid(`bad escape \\U${digits}`);
      return;
    }
    if (c === 'N') throw unsupported('a named character (\\N{...})');
    if (ASCII_LETTER.test(c)) throw invalid(`bad escape \\${c}`);
  }

  /** The value of a class member when it is a single character, or undefined for \d and friends. */
  private classEscape(): number | undefined {
    const c = this.take();
    if (c === undefined) throw invalid('bad escape (end of pattern)');
    if (CLASS_CATEGORIES.has(c)) return undefined;
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
    if (c in simple) return simple[c];
    if (OCT.test(c)) {
      const digits = c + this.takeWhile(2, OCT);
      const value = parseInt(digits, 8);
      if (value > 0o377) throw invalid(`octal escape value \\${digits} outside of range 0-0o377`);
      return value;
    }
    if (DIGITS.test(c)) throw invalid(`bad escape \\${c}`);
    if (c === 'x' || c === 'u' || c === 'U') {
      const start = this.pos;
      this.common(c);
      return parseInt(this.chars.slice(start, this.pos).join(''), 16);
    }
    this.common(c);
    return c.codePointAt(0);
  }

  /** A character class (the "[" is consumed). */
  private charClass(): void {
    if (this.next === '[') throw unsupported('a "[" at the start of a class (a future set syntax)');
    if (this.next === '^') this.take();
    let empty = true;
    for (;;) {
      const c = this.take();
      if (c === undefined) throw invalid('unterminated character set');
      if (c === ']' && !empty) return;
      if (!empty && '-&~|'.includes(c) && this.next === c) {
        throw unsupported(`"${c}${c}" in a class (a future set operation)`);
      }
      empty = false;
      const shown1 = c === '\\' ? `\\${this.next ?? ''}` : c;
      const lo = c === '\\' ? this.classEscape() : c.codePointAt(0);
      if (this.next !== '-') continue;
      this.take();
      const d = this.take();
      if (d === undefined) throw invalid('unterminated character set');
      if (d === ']') return;
      if (d === '-') throw unsupported('"--" in a class (a future set operation)');
      const shown2 = d === '\\' ? `\\${this.next ?? ''}` : d;
      const hi = d === '\\' ? this.classEscape() : d.codePointAt(0);
      if (lo === undefined || hi === undefined || hi < lo) throw invalid(`bad character range ${shown1}-${shown2}`);
    }
  }
}

export function checkPythonRegex(pattern: string): PythonRegexCheck {
  try {
    new Checker(Array.from(pattern)).run();
    return { ok: true };
  } catch (error) {
    if (error instanceof Stop) return { ok: false, kind: error.kind, message: error.message };
    throw error;
  }
}
