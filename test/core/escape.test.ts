import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { composeString, markdownCode, pythonString, shellWord, tomlString, yamlString } from '../../src/core/escape.js';

// Strings as users could type them, biased towards the characters that break naive templating.
const nasty = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({
    unit: fc.constantFrom('"', "'", '\\', '{', '}', '$', '`', '\n', '\t', '\u0000', 'ü', '🚀', '#', ':', '-', ' '),
    maxLength: 20,
  }),
);

/** Evaluates Python literals in one interpreter run and returns their values. */
function pythonValues(literals: string[]): string[] {
  const program = 'import ast, json, sys\nprint(json.dumps([ast.literal_eval(l) for l in json.load(sys.stdin)]))';
  return JSON.parse(
    execFileSync('python3', ['-c', program], { input: JSON.stringify(literals) }).toString(),
  ) as string[];
}

describe('escapers hold the exact value in the target language', () => {
  it('python string literals', () => {
    const samples = fc
      .sample(nasty, 300)
      .filter((s) => !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')));
    samples.push('', '"""', "'''", '\\', 'a\\nb', '\u2028', '\ufeff');
    expect(pythonValues(samples.map(pythonString))).toEqual(samples);
  });

  it('TOML basic strings', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        fc.pre(!/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')));
        expect(parseToml(`v = ${tomlString(s)}`).v).toBe(s);
      }),
      { numRuns: 500 },
    );
  });

  it('YAML double-quoted scalars', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        expect(parseYaml(`v: ${yamlString(s)}`).v).toBe(s);
      }),
      { numRuns: 500 },
    );
  });

  it('compose values double $ so docker compose does not interpolate', () => {
    expect(parseYaml(`v: ${composeString('a$HOME${X}')}`).v).toBe('a$$HOME$${X}');
  });

  it('shell words', () => {
    const samples = fc.sample(nasty, 100).filter((s) => !s.includes('\u0000'));
    for (const s of samples) {
      const out = execFileSync('sh', ['-c', `printf %s ${shellWord(s)}`]).toString();
      expect(out).toBe(s);
    }
  });

  it('markdown code spans fence longer than any backtick run', () => {
    expect(markdownCode('a``b')).toBe('```a``b```');
    expect(markdownCode('`x')).toBe('`` `x ``');
  });
});
