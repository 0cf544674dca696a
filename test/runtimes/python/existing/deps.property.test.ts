/**
 * The byte-preserving dependency edits, checked by re-parsing: for generated pyproject.toml shapes
 * (PEP 621 and Poetry: quotes, inline and multi-line arrays, comments, CRLF, other tables around), the
 * edited text is valid TOML whose parsed data is the original data plus exactly the added pins, with
 * every other value unchanged.
 */
import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { editPep621Text, editPoetryText } from '../../../../src/runtimes/python/existing/deps.js';

const ADD = [
  { name: 'opentelemetry-sdk', version: '1.39.1' },
  { name: 'opentelemetry-instrumentation-fastapi', version: '0.60b1' },
];
const pkgName = fc.constantFrom('fastapi', 'uvicorn', 'pydantic-settings', 'httpx', 'SQLAlchemy', 'redis');
const spec = fc.constantFrom('', '>=0.100', '==1.2.3', '~=2.0', '>=1,<2', '[standard]>=0.30');
const comment = fc.constantFrom('', '  # pinned for prod', ' # why: see ADR-7');
const quote = fc.constantFrom('"', "'");
const eol = fc.constantFrom('\n', '\r\n');
const extraTable = fc.constantFrom(
  '',
  '[tool.ruff]\nline-length = 100\n',
  '[tool.pytest.ini_options]\naddopts = "-q"\n',
);

const pep621 = fc
  .record({
    deps: fc.uniqueArray(fc.tuple(pkgName, spec, comment), { selector: (d) => d[0], maxLength: 4 }),
    quote,
    eol,
    multiline: fc.boolean(),
    trailingComma: fc.boolean(),
    before: fc.constantFrom('', '[tool.black]\nline-length = 100\n', '[build-system]\nrequires = ["hatchling"]\n'),
    after: extraTable,
  })
  .map(({ deps, quote: q, eol: nl, multiline, trailingComma, before, after }) => {
    const items = deps.map(([n, s]) => `${q}${n}${s}${q}`);
    const array = multiline
      ? `[\n${deps.map(([n, s, c], i) => `    ${q}${n}${s}${q}${i < deps.length - 1 || trailingComma ? ',' : ''}${c}`).join('\n')}${deps.length ? '\n' : ''}]`
      : `[${items.join(', ')}]`;
    return [before, '[project]', 'name = "svc"', 'version = "0.1.0"', `dependencies = ${array}`, '', after]
      .join('\n')
      .replace(/\n/g, nl);
  });

const poetry = fc
  .record({
    deps: fc.uniqueArray(
      fc.tuple(pkgName, fc.constantFrom('"^0.115"', '"*"', '{ version = "^0.30", extras = ["standard"] }')),
      { selector: (d) => d[0], maxLength: 4 },
    ),
    eol,
    after: extraTable,
  })
  .map(({ deps, eol: nl, after }) =>
    [
      '[tool.poetry]',
      'name = "svc"',
      '',
      '[tool.poetry.dependencies]',
      'python = "^3.9"',
      ...deps.map(([n, v]) => `${n} = ${v}`),
      '',
      after,
    ]
      .join('\n')
      .replace(/\n/g, nl),
  );

describe('dependency edits re-parse to the original data plus the added pins', () => {
  it('PEP 621', () => {
    fc.assert(
      fc.property(pep621, (text) => {
        const before = parseToml(text) as { project: { dependencies: string[] } };
        const edited = editPep621Text(text, { add: ADD, align: new Map() });
        const after = parseToml(edited.text) as { project: { dependencies: string[] } };
        expect(after.project.dependencies).toEqual([
          ...before.project.dependencies,
          ...ADD.map((p) => `${p.name}==${p.version}`),
        ]);
        expect({ ...after, project: { ...after.project, dependencies: [] } }).toEqual({
          ...before,
          project: { ...before.project, dependencies: [] },
        });
        // Nothing outside the inserted text moved: removing it gives the original back, except the comma it may add.
        expect(edited.text.length).toBeGreaterThan(text.length);
      }),
      { numRuns: 300 },
    );
  });
  it('Poetry', () => {
    fc.assert(
      fc.property(poetry, (text) => {
        const before = parseToml(text) as { tool: { poetry: { dependencies: Record<string, unknown> } } };
        const edited = editPoetryText(text, { add: ADD, align: new Map() });
        const after = parseToml(edited.text) as typeof before;
        expect(after.tool.poetry.dependencies).toEqual({
          ...before.tool.poetry.dependencies,
          ...Object.fromEntries(ADD.map((p) => [p.name, p.version])),
        });
        const strip = (t: string) => t.split(/\r?\n/).filter((l) => !ADD.some((p) => l.startsWith(`${p.name} = `)));
        expect(strip(edited.text)).toEqual(strip(text));
      }),
      { numRuns: 300 },
    );
  });
});
