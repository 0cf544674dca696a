/**
 * setup.cfg is read and edited with line rules in TypeScript. Python's own readers are the reference:
 * configparser for the file, setuptools' list rules for `install_requires`, and `packaging` for each
 * PEP 508 requirement. For generated setup.cfg shapes, what TypeScript reads is what Python reads, and an
 * edit re-parses to the original requirements with exactly the aligned and added pins.
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { editSetupCfgText, readSetupCfg } from '../../../../src/runtimes/python/existing/deps.js';

const ADD = [{ name: 'opentelemetry-sdk', version: '1.45.2' }];
const ALIGNED = '9.9.9';

// install_requires as setuptools reads it: lines (or ";"-separated on one line), stripped, no comments.
const PY_READ = `
import configparser, json, sys
try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name
out = []
for text in json.load(sys.stdin):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    value = parser.get("options", "install_requires")
    chunks = value.splitlines() if "\\n" in value else value.split(";")
    lines = [c.strip() for c in chunks if c.strip() and not c.strip().startswith("#")]
    reqs = []
    for line in lines:
        r = Requirement(line)
        reqs.append({
            "name": canonicalize_name(r.name),
            "specifiers": sorted(str(s) for s in r.specifier),
            "extras": sorted(r.extras),
            "marker": str(r.marker) if r.marker else None,
        })
    out.append(reqs)
print(json.dumps(out))
`;

function pythonRead(
  texts: string[],
): { name: string; specifiers: string[]; extras: string[]; marker: string | null }[][] {
  return JSON.parse(execFileSync('python3', ['-c', PY_READ], { input: JSON.stringify(texts) }).toString());
}

const name = fc.constantFrom('fastapi', 'Django', 'typing_extensions', 'zope.interface', 'SQLAlchemy', 'redis');
const extras = fc.constantFrom('', '[standard]', '[asyncio,postgresql]');
// No '===': packaging before 22 (the one pip 23 vendors, all a bare Python may have) reads the marker's ';'
// after it as part of the version.
const spec = fc.constantFrom('', '>=0.100', '==1.2.3', '~=2.0', '>=1,<2', ' >= 1.0');
const marker = fc.constantFrom('', '; python_version >= "3.9"', " ; sys_platform != 'win32'");

const setupCfg = fc
  .record({
    deps: fc.uniqueArray(fc.tuple(name, extras, spec, marker, fc.boolean()), {
      selector: (d) => d[0].toLowerCase(),
      minLength: 1,
      maxLength: 4,
    }),
    inline: fc.boolean(),
    // configparser keeps going past an empty line when the next line is indented.
    blank: fc.boolean(),
    separator: fc.constantFrom(' = ', '=', ' : '),
    indent: fc.constantFrom('    ', '  ', '\t'),
    eol: fc.constantFrom('\n', '\r\n'),
    before: fc.constantFrom('', 'python_requires = >=3.9\n', 'packages = find:\nzip_safe = False\n'),
    after: fc.constantFrom('', '[options.packages.find]\nwhere = src\n', '[tool:pytest]\naddopts = -q\n'),
  })
  .map(({ deps, inline, blank, separator, indent, eol, before, after }) => {
    // One requirement on the key's line: setuptools would split a marker's ";" there, so none is generated.
    const requirement = ([n, x, s, m]: (typeof deps)[number], withMarker: boolean) =>
      `${n}${x}${s}${withMarker ? m : ''}`;
    const value = inline
      ? `install_requires${separator}${requirement(deps[0]!, false)}\n`
      : `install_requires${separator}\n${deps
          .map(
            (d, i) =>
              `${blank && i > 0 ? '\n' : ''}${d[4] ? `${indent}# why: ${d[0]}\n` : ''}${indent}${requirement(d, true)}\n`,
          )
          .join('')}`;
    return ['[metadata]\nname = svc\n', `[options]\n${before}${value}`, after].join('\n').replace(/\n/g, eol);
  });

const fromTypeScript = (text: string) =>
  readSetupCfg('setup.cfg', text)!.requirements.map((r) => ({
    name: r.name,
    specifiers: r.spec.replace(/\s+/g, '').split(',').filter(Boolean).sort(),
  }));

describe('setup.cfg, read and edited in TypeScript, re-parsed by Python (configparser and packaging)', () => {
  // A fixed seed, so a failure reproduces (CTS_FC_SEED explores others).
  const texts = fc.sample(setupCfg, { numRuns: 150, seed: Number(process.env.CTS_FC_SEED ?? 20261128) });

  it('TypeScript reads the requirements Python reads', () => {
    const python = pythonRead(texts);
    texts.forEach((text, i) => {
      const expected = python[i]!.map(({ name: n, specifiers }) => ({ name: n, specifiers }));
      expect(fromTypeScript(text), JSON.stringify(text)).toEqual(expected);
    });
  });

  it('an edit re-parses to the same requirements, one pin aligned and the new ones added', () => {
    const firsts = texts.map((text) => readSetupCfg('setup.cfg', text)!.requirements[0]!);
    const edited = texts.map(
      (text, i) => editSetupCfgText(text, { add: ADD, align: new Map([[firsts[i]!.name, ALIGNED]]) }).text,
    );
    const before = pythonRead(texts);
    const after = pythonRead(edited);
    texts.forEach((text, i) => {
      const expected = [
        ...before[i]!.map((r, j) => (j === 0 ? { ...r, specifiers: [`==${ALIGNED}`] } : r)),
        ...ADD.map((p) => ({ name: p.name, specifiers: [`==${p.version}`], extras: [], marker: null })),
      ];
      expect(after[i], JSON.stringify({ text, edited: edited[i] })).toEqual(expected);
      // Every other line of the original is still there, byte for byte.
      const kept = edited[i]!.split(/(?<=\n)/);
      text.split(/(?<=\n)/).forEach((line, at) => {
        if (at + 1 !== firsts[i]!.line) expect(kept).toContain(line);
      });
    });
  });
});
