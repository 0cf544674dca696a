import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import {
  editPep621Text,
  editPoetryText,
  editRequirementsText,
  editSetupCfgText,
  mismatchedOtelVersions,
  planDependencies,
  poetryInstallLines,
  poetryToPep440,
  readPyproject,
  readRequirementsFile,
  readSetupCfg,
  type EditRequest,
} from '../../../../src/runtimes/python/existing/deps.js';
import { corePackages, otelLine } from '../../../../src/catalog/python-sets.js';
import { fastapi } from '../../../../src/catalog/frameworks/fastapi.js';
import { addTracingPackages } from '../../../../src/catalog/frameworks/index.js';

const line = otelLine('1.45');
const wanted = [...corePackages(line, 'otlp-grpc'), ...addTracingPackages(fastapi, line)];
const OTEL_ADD = corePackages(line, 'otlp-grpc').concat({
  name: 'opentelemetry-instrumentation-fastapi',
  version: line.contrib,
});

const request = (over: Partial<EditRequest> = {}): EditRequest => ({
  add: OTEL_ADD,
  align: new Map(),
  header: 'OpenTelemetry 1.45',
  ...over,
});

/** Every line of `before` is still in `after`, in order and byte for byte (except those in `changed`). */
function keepsLines(before: string, after: string, changed: number[] = []): void {
  const a = after.split('\n');
  let j = 0;
  before.split('\n').forEach((l, i) => {
    if (changed.includes(i + 1)) return;
    while (j < a.length && a[j] !== l) j++;
    expect(j, `line ${i + 1} ${JSON.stringify(l)} kept`).toBeLessThan(a.length);
    j++;
  });
}

describe('requirements files', () => {
  it('inserts into a sorted file at sorted positions, keeping every line', () => {
    const before = '# keep sorted\nfastapi==0.165.0  # web\nuvicorn==0.54.0\n';
    const r = editRequirementsText(before, request());
    expect(r.text).toBe(
      '# keep sorted\nfastapi==0.165.0  # web\nopentelemetry-api==1.45.2\nopentelemetry-exporter-otlp-proto-grpc==1.45.2\nopentelemetry-exporter-otlp-proto-http==1.45.2\nopentelemetry-instrumentation-fastapi==0.66b2\nopentelemetry-instrumentation-system-metrics==0.66b2\nopentelemetry-sdk==1.45.2\nuvicorn==0.54.0\n',
    );
    keepsLines(before, r.text);
    // Idempotent: a second edit changes nothing.
    expect(editRequirementsText(r.text, request()).text).toBe(r.text);
  });

  it('appends a commented block to an unsorted file, and keeps CRLF and a missing final newline', () => {
    const before = 'uvicorn==0.54.0\r\nfastapi>=0.100';
    const r = editRequirementsText(before, request());
    expect(r.text.startsWith('uvicorn==0.54.0\r\nfastapi>=0.100\r\n# OpenTelemetry 1.45\r\n')).toBe(true);
    expect(r.text.split('\r\n').every((l) => !l.includes('\n'))).toBe(true);
    expect(editRequirementsText(r.text, request()).text).toBe(r.text);
  });

  it('aligns existing OpenTelemetry pins in place, keeping extras, markers and comments', () => {
    const before =
      'fastapi\nopentelemetry-sdk >= 1.30.0, <2.0  ; python_version >= "3.9"  # tracing\nOpenTelemetry_Instrumentation_FastAPI[extra]==0.51b0\n-r other.txt\n';
    const r = editRequirementsText(
      before,
      request({
        add: [],
        align: new Map([
          ['opentelemetry-sdk', '1.45.2'],
          ['opentelemetry-instrumentation-fastapi', '0.66b2'],
        ]),
      }),
    );
    expect(r.text).toBe(
      'fastapi\nopentelemetry-sdk ==1.45.2  ; python_version >= "3.9"  # tracing\nOpenTelemetry_Instrumentation_FastAPI[extra]==0.66b2\n-r other.txt\n',
    );
    expect(r.aligned.map((a) => [a.name, a.from, a.to])).toEqual([
      ['opentelemetry-sdk', '>= 1.30.0, <2.0', '==1.45.2'],
      ['OpenTelemetry_Instrumentation_FastAPI', '==0.51b0', '==0.66b2'],
    ]);
  });

  it('never edits hash-pinned lines: reports them instead', () => {
    const before = 'opentelemetry-sdk==1.39.1 \\\n    --hash=sha256:abc\n';
    const r = editRequirementsText(before, request({ add: [], align: new Map([['opentelemetry-sdk', '1.45.2']]) }));
    expect(r.text).toBe(before);
    expect(r.skipped).toHaveLength(1);
  });

  it('reads -r includes relative to the file', () => {
    const f = readRequirementsFile(
      'requirements/dev.txt',
      '-r base.txt\n--requirement ../requirements.txt\npytest==9.2.0\n',
    );
    expect(f.includes).toEqual(['requirements/base.txt', 'requirements.txt']);
    expect(f.requirements.map((r) => [r.name, r.exact])).toEqual([['pytest', '9.2.0']]);
  });
});

describe('pyproject.toml', () => {
  const pep621 = `[project]
name = "svc"  # the name
dependencies = [
    'fastapi>=0.115',  # web
    'opentelemetry-sdk~=1.30',
]

[tool.other]
dependencies = ["not-this"]
`;

  it("PEP 621: adds items in the array's own style and aligns existing ones; the TOML stays valid", () => {
    const r = editPep621Text(pep621, request({ align: new Map([['opentelemetry-sdk', '1.45.2']]) }));
    expect(r.text).toContain("    'opentelemetry-sdk==1.45.2',\n    'opentelemetry-api==1.45.2',\n");
    expect(r.text).toContain('[tool.other]\ndependencies = ["not-this"]');
    const data = parseToml(r.text) as { project: { dependencies: string[] } };
    expect(data.project.dependencies).toEqual([
      'fastapi>=0.115',
      'opentelemetry-sdk==1.45.2',
      'opentelemetry-api==1.45.2',
      'opentelemetry-exporter-otlp-proto-grpc==1.45.2',
      'opentelemetry-exporter-otlp-proto-http==1.45.2',
      'opentelemetry-instrumentation-system-metrics==0.66b2',
      'opentelemetry-instrumentation-fastapi==0.66b2',
    ]);
    keepsLines(pep621, r.text, [5]);
    expect(editPep621Text(r.text, request({ align: new Map([['opentelemetry-sdk', '1.45.2']]) })).text).toBe(r.text);
  });

  it('PEP 621: a one-line array stays on one line; a missing trailing comma is added', () => {
    const one = editPep621Text(
      '[project]\nname = "x"\ndependencies = ["fastapi"]\n',
      request({ add: [{ name: 'a', version: '1' }] }),
    );
    expect(one.text).toBe('[project]\nname = "x"\ndependencies = ["fastapi", "a==1"]\n');
    const noComma = editPep621Text(
      '[project]\ndependencies = [\n  "fastapi"\n]\n',
      request({ add: [{ name: 'a', version: '1' }] }),
    );
    expect(noComma.text).toBe('[project]\ndependencies = [\n  "fastapi",\n  "a==1",\n]\n');
    expect((parseToml(noComma.text) as { project: { dependencies: string[] } }).project.dependencies).toEqual([
      'fastapi',
      'a==1',
    ]);
  });

  it('Poetry: adds keys after the last dependency, aligns plain and inline-table versions', () => {
    const before = `[tool.poetry.dependencies]
python = "^3.9"
fastapi = "^0.165.0"
opentelemetry-sdk = { version = "1.39.1", optional = false }

[tool.poetry.group.dev.dependencies]
pytest = "^8.0"
`;
    const r = editPoetryText(before, request({ align: new Map([['opentelemetry-sdk', '1.45.2']]) }));
    expect(r.text).toContain(
      'opentelemetry-sdk = { version = "1.45.2", optional = false }\nopentelemetry-api = "1.45.2"\n',
    );
    expect(r.text).toContain('\n\n[tool.poetry.group.dev.dependencies]\npytest = "^8.0"\n');
    const data = parseToml(r.text) as { tool: { poetry: { dependencies: Record<string, unknown> } } };
    expect(data.tool.poetry.dependencies['opentelemetry-instrumentation-fastapi']).toBe('0.66b2');
    expect(editPoetryText(r.text, request({ align: new Map([['opentelemetry-sdk', '1.45.2']]) })).text).toBe(r.text);
    expect(
      readPyproject('pyproject.toml', r.text)
        .find((f) => f.kind === 'poetry')!
        .requirements.find((q) => q.name === 'opentelemetry-sdk')!.exact,
    ).toBe('1.45.2');
  });

  it('Poetry constraints become PEP 440 for installing', () => {
    expect(poetryToPep440('^0.165.0')).toBe('>=0.165.0,<0.166.0');
    expect(poetryToPep440('^3.9')).toBe('>=3.9,<4.0');
    expect(poetryToPep440('^1')).toBe('>=1,<2');
    expect(poetryToPep440('~1.2.3')).toBe('>=1.2.3,<1.3');
    expect(poetryToPep440('1.45.2')).toBe('==1.45.2');
    expect(poetryToPep440('>=1.0,<2.0')).toBe('>=1.0,<2.0');
    expect(poetryToPep440('*')).toBe('');
    expect(
      poetryInstallLines(
        '[tool.poetry.dependencies]\npython = "^3.9"\nuvicorn = { version = "^0.54.0", extras = ["standard"] }\nlocal = { path = "../x" }\n',
      ),
    ).toEqual(['uvicorn[standard]>=0.54.0,<0.55.0']);
  });

  it('a broken pyproject is reported, never edited', () => {
    const files = readPyproject('pyproject.toml', '[project\nname = ');
    expect(files[0]!.error).toMatch(/not valid TOML/);
    expect(planDependencies(files, wanted, ['fastapi'], line).target).toBeUndefined();
  });
});

describe('setup.cfg', () => {
  it('adds under install_requires with its indentation', () => {
    const before =
      '[metadata]\nname = x\n\n[options]\ninstall_requires =\n    fastapi>=0.100\n    opentelemetry-sdk==1.39.1\npackages = find:\n';
    const r = editSetupCfgText(before, request({ align: new Map([['opentelemetry-sdk', '1.45.2']]) }));
    expect(r.text).toBe(
      '[metadata]\nname = x\n\n[options]\ninstall_requires =\n    fastapi>=0.100\n    opentelemetry-sdk==1.45.2\n    opentelemetry-api==1.45.2\n    opentelemetry-exporter-otlp-proto-grpc==1.45.2\n    opentelemetry-exporter-otlp-proto-http==1.45.2\n    opentelemetry-instrumentation-system-metrics==0.66b2\n    opentelemetry-instrumentation-fastapi==0.66b2\npackages = find:\n',
    );
    expect(readSetupCfg('setup.cfg', r.text)!.requirements).toHaveLength(7);
  });
});

describe('planDependencies', () => {
  it("adds to the file that declares the framework; keeps the project's own framework constraint; aligns OpenTelemetry everywhere", () => {
    const base = readRequirementsFile('requirements/base.txt', 'fastapi>=0.110\n');
    const dev = readRequirementsFile(
      'requirements/dev.txt',
      '-r base.txt\nopentelemetry-instrumentation-httpx==0.50b0\n',
    );
    const top = readRequirementsFile('requirements.txt', '-r requirements/base.txt\n');
    const p = planDependencies([top, base, dev], wanted, ['fastapi'], line);
    expect(p.target?.path).toBe('requirements/base.txt');
    expect(p.add.map((x) => x.name)).toEqual([
      'opentelemetry-api',
      'opentelemetry-sdk',
      'opentelemetry-exporter-otlp-proto-grpc',
      'opentelemetry-exporter-otlp-proto-http',
      'opentelemetry-instrumentation-system-metrics',
      'uvicorn',
      'opentelemetry-instrumentation-fastapi',
    ]);
    expect([...p.align.get('requirements/dev.txt')!]).toEqual([['opentelemetry-instrumentation-httpx', '0.66b2']]);
  });

  it("finds mismatched versions in the guide's sense", () => {
    const f = readRequirementsFile(
      'requirements.txt',
      'opentelemetry-sdk==1.39.1\nopentelemetry-api==1.39.1\nopentelemetry-instrumentation-fastapi==0.58b0\nopentelemetry-exporter-otlp-proto-grpc==1.44.0\n',
    );
    const problems = mismatchedOtelVersions([f]);
    expect(problems.map((p) => p.line)).toEqual([4, 3]);
    expect(
      mismatchedOtelVersions([
        readRequirementsFile('r.txt', 'opentelemetry-sdk==1.45.2\nopentelemetry-instrumentation-fastapi==0.66b2\n'),
      ]),
    ).toEqual([]);
  });
});
