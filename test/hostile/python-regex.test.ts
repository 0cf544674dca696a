/**
 * The excluded-URL checker against the real thing: thousands of generated patterns, each compiled by
 * Python's re. Whatever the checker calls valid must compile (without warnings); whatever it calls invalid
 * must fail with the very message Python gives. Patterns it calls unsupported make no claim.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPythonRegex } from '../../src/options/python-regex.js';

const COMPILE = `
import json, re, sys, warnings
warnings.simplefilter("error")
out = []
for p in json.load(sys.stdin):
    try:
        re.compile(p)
        out.append(None)
    except re.error as e:
        out.append(e.msg)
    except OverflowError as e:
        out.append(str(e))
    except Exception as e:
        out.append(f"{type(e).__name__}: {e}")
print(json.dumps(out))
`;

/** python3, plus every Python >= 3.11 pyenv has, so the rules hold across the versions services run on. */
function interpreters(): string[] {
  const found = ['python3'];
  const root = path.join(os.homedir(), '.pyenv', 'versions');
  for (const v of ['3.11', '3.12', '3.13']) {
    try {
      const dir = execFileSync('ls', [root], { encoding: 'utf8' })
        .split('\n')
        .find((d) => d.startsWith(`${v}.`));
      if (dir && existsSync(path.join(root, dir, 'bin', 'python'))) found.push(path.join(root, dir, 'bin', 'python'));
    } catch {
      // no pyenv
    }
  }
  return found;
}

function compileAll(python: string, patterns: string[]): (string | null)[] {
  const out = execFileSync(python, ['-c', COMPILE], {
    input: JSON.stringify(patterns),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out) as (string | null)[];
}

const TOKENS = [
  'a',
  'b',
  'z',
  'é',
  ' ',
  '/',
  '0',
  '1',
  '3',
  '7',
  '8',
  '9',
  '\\',
  '\\',
  '[',
  ']',
  '(',
  ')',
  '{',
  '}',
  '*',
  '+',
  '?',
  '^',
  '$',
  '|',
  '.',
  '-',
  ',',
  'x',
  'u',
  'U',
  'N',
  'd',
  'w',
  's',
  'B',
  'A',
  'Z',
  'e',
  'k',
  'p',
  '<',
  '>',
  '=',
  '!',
  ':',
  'P',
  '#',
  '&',
  '~',
  'F',
  'f',
  'i',
  '4294967295',
  '99',
];
const noise = fc.array(fc.constantFrom(...TOKENS), { maxLength: 14 }).map((t) => t.join(''));

/** Patterns built from the supported subset only: all of them must be accepted. */
const supported: fc.Arbitrary<string> = fc.letrec<{
  re: string;
  alt: string;
  seq: string;
  atom: string;
  piece: string;
  cls: string;
}>((tie) => ({
  re: tie('alt'),
  alt: fc.array(tie('seq'), { minLength: 1, maxLength: 3 }).map((s) => s.join('|')),
  seq: fc.array(tie('piece'), { maxLength: 4 }).map((s) => s.join('')),
  piece: fc.oneof(
    { weight: 3, arbitrary: tie('atom') },
    fc
      .tuple(
        tie('atom'),
        fc.constantFrom('*', '+', '?', '*?', '+?', '??', '{2}', '{1,3}', '{,4}', '{2,}', '{0}', '{,}', '{3}?'),
      )
      .map(([a, q]) => a + q),
    fc.constantFrom('^', '$', '\\b', '\\B', '\\A', '\\Z'),
  ),
  atom: fc.oneof(
    { maxDepth: 3 },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        'a',
        '/',
        'é',
        '-',
        ',',
        ']',
        '}',
        '{',
        '\\.',
        '\\/',
        '\\-',
        '\\\\',
        '\\d',
        '\\w',
        '\\S',
        '\\n',
        '\\t',
        '\\x41',
        '\\u00e9',
        '\\U0001F600',
        '\\0',
        '\\012',
        '\\377',
        '.',
      ),
    },
    tie('cls'),
    fc.tuple(fc.constantFrom('(', '(?:', '(?=', '(?!'), tie('re')).map(([open, inner]) => `${open}${inner})`),
  ),
  cls: fc
    .tuple(
      fc.boolean(),
      fc.array(
        fc.constantFrom(
          'a',
          'z',
          '0-9',
          'a-f',
          '\\d',
          '\\w',
          '\\s',
          '\\-',
          '\\]',
          '\\\\',
          '\\x00-\\x7f',
          '\\n',
          '/',
          '.',
          '*',
          '(',
          '\\b',
        ),
        { minLength: 1, maxLength: 4 },
      ),
      fc.boolean(),
    )
    .map(([neg, items, dash]) => `[${neg ? '^' : ''}${items.join('')}${dash ? '-' : ''}]`),
})).re;

describe('checkPythonRegex agrees with Python re', () => {
  // A fixed seed keeps CI reproducible; CTS_FC_SEED explores others.
  const seed = Number(process.env.CTS_FC_SEED ?? 585678623);
  const pythons = interpreters();

  it.each(pythons)('generated noise, compiled by %s', (python) => {
    const patterns = [...new Set(fc.sample(noise, { numRuns: 6000, seed }))];
    const actual = compileAll(python, patterns);
    const wrong: string[] = [];
    let claims = 0;
    patterns.forEach((p, i) => {
      const ours = checkPythonRegex(p);
      if (!ours.ok && ours.kind === 'unsupported') return;
      claims++;
      const theirs = actual[i] ?? null;
      const expected = ours.ok ? null : ours.message;
      if (theirs !== expected)
        wrong.push(`${JSON.stringify(p)}: ours ${JSON.stringify(expected)}, Python ${JSON.stringify(theirs)}`);
    });
    expect(wrong.slice(0, 20), `seed ${seed}: ${wrong.length} disagreements`).toEqual([]);
    // Most noise must get a real answer, or the checker would pass by calling everything unsupported.
    expect(claims).toBeGreaterThan(patterns.length * 0.7);
  });

  it.each(pythons)('patterns of the supported subset are accepted, and compile in %s', (python) => {
    const patterns = [...new Set(fc.sample(supported, { numRuns: 1500, seed }))];
    const rejected = patterns.filter((p) => !checkPythonRegex(p).ok);
    expect(rejected.slice(0, 10), `seed ${seed}`).toEqual([]);
    const actual = compileAll(python, patterns);
    const failed = patterns.map((p, i) => [p, actual[i]]).filter(([, e]) => e !== null);
    expect(failed.slice(0, 10), `seed ${seed}`).toEqual([]);
  });

  it('the reported cases', () => {
    expect(checkPythonRegex('/a\\e')).toEqual({ ok: false, kind: 'invalid', message: 'bad escape \\e' });
    expect(checkPythonRegex('/\\k<a>')).toEqual({ ok: false, kind: 'invalid', message: 'bad escape \\k' });
    expect(checkPythonRegex('/\\p{L}')).toEqual({ ok: false, kind: 'invalid', message: 'bad escape \\p' });
    expect(checkPythonRegex('/(?P<id>[0-9]+)')).toMatchObject({ ok: false, kind: 'unsupported' });
    expect(checkPythonRegex('^/api/v[0-9]+/items/.*$')).toEqual({ ok: true });
    expect(checkPythonRegex('|(?\\(w|1')).toEqual({ ok: false, kind: 'invalid', message: 'unknown extension ?\\(' });
  });
});
