/**
 * Trojan Source: invisible format characters (bidirectional controls, zero-width characters, tags) never
 * land raw in generated code or config. The option schema refuses them in typed values; the escapers write
 * any that reach them as escapes, and the value still reads back exactly.
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { markdownText, pythonString, tomlString, yamlString } from '../../src/core/escape.js';

const FORMAT = [
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200b',
  '\u200e',
  '\u200f',
  '\u061c',
  '\u00ad',
  '\u2060',
  '\ufeff',
  '\u{e0001}',
  '\u{e0041}',
  '\u{1d173}',
];
const hostile = fc
  .array(fc.constantFrom(...FORMAT, 'a', '"', '\\', ' ', 'é', '🚀'), { minLength: 1, maxLength: 12 })
  .map((a) => a.join(''));
const RAW_FORMAT = /\p{Cf}/u;

function pythonValues(literals: string[]): string[] {
  const program = 'import ast, json, sys\nprint(json.dumps([ast.literal_eval(l) for l in json.load(sys.stdin)]))';
  return JSON.parse(
    execFileSync('python3', ['-c', program], { input: JSON.stringify(literals) }).toString(),
  ) as string[];
}

describe('format characters are escaped in code and config', () => {
  const samples = [...FORMAT, ...fc.sample(hostile, 200)];

  it('Python', () => {
    const literals = samples.map(pythonString);
    for (const l of literals) expect(l).not.toMatch(RAW_FORMAT);
    expect(pythonValues(literals)).toEqual(samples);
  });

  it('TOML', () => {
    for (const s of samples) {
      const literal = tomlString(s);
      expect(literal).not.toMatch(RAW_FORMAT);
      expect(parseToml(`v = ${literal}`).v).toBe(s);
    }
  });

  it('YAML', () => {
    for (const s of samples) {
      const literal = yamlString(s);
      expect(literal).not.toMatch(RAW_FORMAT);
      expect(parseYaml(`v: ${literal}`).v).toBe(s);
    }
  });

  it('Markdown prose (as character references)', () => {
    for (const s of samples) expect(markdownText(s)).not.toMatch(RAW_FORMAT);
    expect(markdownText('a\u202eb')).toBe('a&#x202E;b');
  });
});
