import { describe, expect, it } from 'vitest';
import {
  chooseLine,
  lineProblem,
  lockedVersions,
  pinnedVersions,
} from '../../../../src/runtimes/python/existing/otel-choice.js';
import {
  chooseInterpreter,
  dockerfilePython,
  lowestMinor,
  missingPythonMessage,
  readDeclaredPython,
  readPythonVersionFile,
} from '../../../../src/runtimes/python/existing/project-python.js';
import { readPyproject, readRequirementsFile } from '../../../../src/runtimes/python/existing/deps.js';
import { newestPythonFor } from '../../../../src/runtimes/python/existing/environment.js';
import { satisfies } from '../../../../src/runtimes/python/pep440.js';

describe('PEP 440 specifiers', () => {
  it.each([
    ['3.9.18', '>=3.9', true],
    ['3.8.18', '>=3.9', false],
    ['3.13.0', '>=3.9,<3.13', false],
    ['0.115.0', '~=0.92', true],
    ['1.0.0', '~=0.92', false],
    ['3.12.1', '==3.12.*', true],
    ['3.11.7', '==3.12.*', false],
    ['0.66b2', '>=0.66', false],
    ['0.66', '>0.66b2', true],
    ['5.2.19', '', true],
  ])('%s against %j is %s', (v, spec, ok) => {
    expect(satisfies(v, spec)).toBe(ok);
  });
  it('rejects what it cannot read', () => {
    expect(() => satisfies('3.9', '^3.9')).toThrow(/not a version specifier/);
  });
});

describe('the Python a project declares', () => {
  it('reads .python-version the way pyenv and uv write it', () => {
    expect(readPythonVersionFile('3.13\n')).toBe('3.13');
    expect(readPythonVersionFile('# pinned\ncpython-3.12.1\n')).toBe('3.12.1');
    expect(readPythonVersionFile('system\n')).toBeUndefined();
  });
  it('takes the lowest minor from requires-python and from Poetry', () => {
    expect(readDeclaredPython({ pyproject: '[project]\nname="x"\nrequires-python = ">=3.9"\n' })).toMatchObject({
      spec: '>=3.9',
      lowest: '3.9',
    });
    const poetry = readDeclaredPython({
      pyproject: '[tool.poetry.dependencies]\npython = "^3.9"\nfastapi = "^0.110"\n',
    });
    expect(poetry).toMatchObject({ spec: '>=3.9,<4.0', lowest: '3.9' });
    expect(poetry.sources[0]).toContain('^3.9');
    expect(lowestMinor('>3.10.5,<3.12')).toBe('3.10');
  });
  it.each([
    ['FROM python:3.8-slim\nCMD ["flask", "run"]\n', '3.8'],
    ['FROM docker.io/library/python:3.11.9-bookworm AS base\nRUN pip install x\n', '3.11'],
    ['FROM python:3.12 AS build\nRUN make\nFROM python:3.10-slim\nCOPY --from=build /a /a\n', '3.10'],
    ['FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11\n', '3.11'],
    ['FROM --platform=linux/amd64 python:3.13-alpine\n', '3.13'],
    ['FROM python:3.12 AS build\nFROM gcr.io/distroless/base\n', undefined],
    ['FROM python:3-slim\n', undefined],
    ['FROM ubuntu:24.04\n', undefined],
  ])('the Python of the image a Dockerfile runs: %j', (text, version) => {
    expect(dockerfilePython(text)).toBe(version);
  });
  it("the Dockerfile's image picks the interpreter and lowers the lowest Python the pins must install on", () => {
    const image = readDeclaredPython({ dockerfile: 'FROM python:3.8-slim\n' });
    expect(image).toMatchObject({ pin: '3.8', lowest: '3.8' });
    expect(image.sources).toEqual(['python:3.8 in Dockerfile']);
    const both = readDeclaredPython({
      pyproject: '[project]\nrequires-python = ">=3.11"\n',
      dockerfile: 'FROM python:3.12-slim\n',
    });
    expect(both).toMatchObject({ pin: '3.12', lowest: '3.11' });
    const older = readDeclaredPython({
      pyproject: '[project]\nrequires-python = ">=3.9"\n',
      dockerfile: 'FROM python:3.8\n',
    });
    expect(older.lowest).toBe('3.8');
    // .python-version decides the interpreter over the image.
    expect(readDeclaredPython({ pythonVersion: '3.13\n', dockerfile: 'FROM python:3.12\n' }).pin).toBe('3.13');
  });
  it('a pinned older framework release is smoke-tested on a Python it runs on, when one is installed', () => {
    const django = (version: string, floor = false) => [
      { name: 'django', version, source: 'requirements.txt:1', floor },
    ];
    expect(newestPythonFor('django', django('3.2.25'))).toBe('3.10');
    expect(newestPythonFor('django', django('4.2.16'))).toBe('3.12');
    expect(newestPythonFor('django', django('5.2.1'))).toBeUndefined();
    expect(newestPythonFor('django', django('3.2', true))).toBeUndefined(); // a range admits newer releases
    expect(
      newestPythonFor('flask', [{ name: 'flask', version: '1.1.2', source: 'requirements.txt:1' }]),
    ).toBeUndefined();
    const installed = ['3.9.18', '3.10.13', '3.11.7', '3.13.0'].map((version) => ({
      command: `/py/${version}`,
      version,
      via: 'pyenv',
    }));
    const declared = { spec: '' };
    expect(chooseInterpreter(declared, installed, '3.9', '3.10')?.version).toBe('3.10.13');
    expect(chooseInterpreter(declared, installed, '3.9')?.version).toBe('3.13.0');
    // Nothing installed is old enough: the newest that fits, as without the framework's limit.
    expect(chooseInterpreter(declared, installed.slice(2), '3.10', '3.10')?.version).toBe('3.13.0');
  });
  it('a .python-version pin picks the interpreter; requires-python still sets the lowest', () => {
    const d = readDeclaredPython({ pythonVersion: '3.13\n', pyproject: '[project]\nrequires-python = ">=3.11"\n' });
    expect(d).toMatchObject({ pin: '3.13', lowest: '3.11' });
    const installed = ['3.9.18', '3.11.7', '3.12.1', '3.13.0'].map((version) => ({
      command: `/py/${version}`,
      version,
      via: 'pyenv',
    }));
    expect(chooseInterpreter(d, installed)?.version).toBe('3.13.0');
    expect(
      chooseInterpreter(readDeclaredPython({ pyproject: '[project]\nrequires-python = ">=3.9,<3.12"\n' }), installed)
        ?.version,
    ).toBe('3.11.7');
    expect(chooseInterpreter({ spec: '>=3.10' }, installed, '3.12')?.version).toBe('3.13.0');
  });
  it('names the missing version and how to get it', () => {
    const d = readDeclaredPython({ pythonVersion: '3.14\n' });
    const message = missingPythonMessage(d, [{ command: 'python3', version: '3.12.1', via: 'PATH' }]);
    expect(message).toContain('pyenv install 3.14');
    expect(message).toContain('uv python install 3.14');
    expect(message).toContain('nothing was changed');
  });
});

const uvLock = `version = 1
requires-python = ">=3.9"

[[package]]
name = "fastapi"
version = "0.141.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "Starlette"
version = "0.46.2"
source = { registry = "https://pypi.org/simple" }
`;

describe('choosing the OpenTelemetry set', () => {
  it('reads locked versions from uv/Poetry/PDM locks', () => {
    expect(lockedVersions(uvLock)).toEqual(
      new Map([
        ['fastapi', '0.141.1'],
        ['starlette', '0.46.2'],
      ]),
    );
  });
  it('a lock wins over a range; an exact pin counts when nothing is locked', () => {
    const deps = readPyproject('pyproject.toml', '[project]\ndependencies = ["fastapi>=0.100"]\n');
    expect(pinnedVersions(['fastapi'], deps, [{ path: 'uv.lock', text: uvLock }])).toEqual([
      { name: 'fastapi', version: '0.141.1', source: 'uv.lock' },
    ]);
    const req = readRequirementsFile('requirements.txt', 'flask==2.3.3\n');
    expect(pinnedVersions(['flask'], [req], [])).toEqual([
      { name: 'flask', version: '2.3.3', source: 'requirements.txt:1' },
    ]);
  });
  it('a project supporting Python 3.9 gets 1.39 (1.42 and later need 3.10), and says why', () => {
    const choice = chooseLine({ framework: 'fastapi', lowestPython: '3.9', pins: [] });
    expect(choice.line).toBe('1.39');
    expect(choice.reason).toMatch(/needs Python >= 3.10/);
    expect(chooseLine({ framework: 'fastapi', lowestPython: '3.11', pins: [] }).line).toBe('1.45');
  });
  it('refuses a Python no set supports, and a requested set that does not fit', () => {
    expect(() => chooseLine({ framework: 'fastapi', lowestPython: '3.8', pins: [] })).toThrow(
      /no supported OpenTelemetry set fits.*3\.8/,
    );
    expect(() => chooseLine({ framework: 'fastapi', lowestPython: '3.9', pins: [], requested: '1.45' })).toThrow(
      /1\.45 does not fit/,
    );
  });
  it('a FastAPI locked at 0.142 or later needs the API >= 1.44; FastAPI 1.x is outside ~=0.92', () => {
    const locked = [{ name: 'fastapi', version: '0.150.0', source: 'uv.lock' }];
    expect(lineProblem('1.42', 'fastapi', '3.10', locked)).toMatch(/requires opentelemetry-api >= 1.44/);
    expect(lineProblem('1.45', 'fastapi', '3.10', locked)).toBeUndefined();
    expect(() => chooseLine({ framework: 'fastapi', lowestPython: '3.9', pins: locked })).toThrow(/no supported/);
    expect(lineProblem('1.45', 'fastapi', '3.12', [{ name: 'fastapi', version: '1.0.0', source: 'uv.lock' }])).toMatch(
      /~=0.92/,
    );
    expect(
      lineProblem('1.45', 'django', '3.12', [{ name: 'django', version: '1.11.29', source: 'requirements.txt:1' }]),
    ).toMatch(/django>=2.0/);
    expect(
      lineProblem('1.39', 'django', '3.9', [{ name: 'django', version: '1.11.29', source: 'requirements.txt:1' }]),
    ).toBeUndefined();
  });
});

describe('a declared range counts by its floor', () => {
  it('Poetry python ^3.9 with fastapi ^0.165 cannot be served by any set, and the message says why', () => {
    const deps = readPyproject('pyproject.toml', '[tool.poetry.dependencies]\npython = "^3.9"\nfastapi = "^0.165.0"\n');
    const pins = pinnedVersions(['fastapi'], deps, []);
    expect(pins).toEqual([
      {
        name: 'fastapi',
        version: '0.165.0',
        source: 'pyproject.toml:3 (^0.165.0)',
        floor: true,
        spec: '>=0.165.0,<0.166.0',
      },
    ]);
    expect(() => chooseLine({ framework: 'fastapi', lowestPython: '3.9', pins })).toThrow(
      /1\.45 does not: it needs Python >= 3\.10.*1\.39 does not: fastapi >= 0\.165\.0/,
    );
  });
  it('Poetry python ^3.9 with fastapi ^0.115 gets 1.39', () => {
    const deps = readPyproject('pyproject.toml', '[tool.poetry.dependencies]\npython = "^3.9"\nfastapi = "^0.115.0"\n');
    expect(
      chooseLine({ framework: 'fastapi', lowestPython: '3.9', pins: pinnedVersions(['fastapi'], deps, []) }).line,
    ).toBe('1.39');
  });
});

describe('a uv workspace member', () => {
  it("takes the workspace's uv.lock and .python-version from above, stopping at the repository's top", async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { declaredPython, readLocks } = await import('../../../../src/runtimes/python/existing/environment.js');
    const top = mkdtempSync(path.join(os.tmpdir(), 'cts-ws-'));
    try {
      const repo = path.join(top, 'repo');
      mkdirSync(path.join(repo, '.git'), { recursive: true });
      mkdirSync(path.join(repo, 'backend'));
      writeFileSync(path.join(top, '.python-version'), '3.9\n'); // outside the repository: ignored
      writeFileSync(path.join(repo, 'uv.lock'), uvLock);
      writeFileSync(path.join(repo, '.python-version'), '3.12\n');
      writeFileSync(
        path.join(repo, 'backend', 'pyproject.toml'),
        '[project]\nname = "app"\nrequires-python = ">=3.11"\n',
      );
      expect((await readLocks(path.join(repo, 'backend'))).map((l) => l.path)).toEqual([path.join('..', 'uv.lock')]);
      expect(await declaredPython(path.join(repo, 'backend'))).toMatchObject({ pin: '3.12', lowest: '3.11' });
      rmSync(path.join(repo, '.python-version'));
      expect((await declaredPython(path.join(repo, 'backend'))).pin).toBeUndefined();
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });
});
