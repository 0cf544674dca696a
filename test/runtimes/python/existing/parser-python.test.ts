import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectProject } from '../../../../src/runtimes/python/existing/detect.js';
import { diagnose } from '../../../../src/runtimes/python/existing/diagnose.js';
import { REPO_ROOT, scratchDir } from '../../../support/helpers.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'existing');

function project(files: Record<string, string>): string {
  const dir = scratchDir('cts-parser-');
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

describe('parsing: every current Python version, executing nothing from the repository', () => {
  it('accepts PEP 695 type aliases and generics (3.12+)', async () => {
    const report = await detectProject(path.join(FIXTURES, 'py313-pep695'));
    expect(report.syntaxErrors).toEqual([]);
    expect(report.selected?.id).toBe('app/main.py:17');
  });

  it('accepts Python 3.14 syntax: except A, B: without parentheses and t-strings', async () => {
    const report = await detectProject(path.join(FIXTURES, 'py314-except'));
    expect(report.syntaxErrors).toEqual([]);
    expect(report.selected?.id).toBe('service.py:6');
    expect(report.files.find((f) => f.path === 'service.py')?.newerSyntax?.length).toBe(2);
  });

  it('still reports real syntax errors', async () => {
    const dir = project({ 'main.py': 'from fastapi import FastAPI\napp = FastAPI(\n' });
    const report = await detectProject(dir);
    expect(report.syntaxErrors.map((e) => e.path)).toEqual(['main.py']);
  });

  it('accepts a UTF-8 byte-order mark with CRLF line endings', async () => {
    const report = await detectProject(path.join(FIXTURES, 'bom-crlf'));
    expect(report.syntaxErrors).toEqual([]);
    expect(report.selected?.id).toBe('main.py:4');
    expect(report.selected?.file).toMatchObject({ bom: true, crlf: true });
  });

  it('never runs an interpreter from the project: not its .venv, not one on PATH inside it', async () => {
    const dir = project({ 'main.py': 'from fastapi import FastAPI\napp = FastAPI()\n' });
    const marker = path.join(dir, 'EXECUTED');
    const trap = `#!/bin/sh\necho "$0 $*" >> ${JSON.stringify(marker)}\nexec /usr/bin/python3 "$@"\n`;
    for (const name of [
      '.venv/bin/python',
      '.venv/bin/python3',
      '.venv/bin/python3.13',
      'bin/python3',
      'bin/python3.14',
    ]) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), trap);
      chmodSync(path.join(dir, name), 0o755);
    }
    const saved = process.env.PATH;
    process.env.PATH = [path.join(dir, '.venv', 'bin'), path.join(dir, 'bin'), saved].join(path.delimiter);
    try {
      const report = await detectProject(dir);
      expect(report.selected?.id).toBe('main.py:2');
      expect(report.python.command.startsWith(dir)).toBe(false);
    } finally {
      process.env.PATH = saved;
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('names a file over the size cap instead of skipping it silently', async () => {
    const big = `from fastapi import FastAPI\napp = FastAPI()\n${'# padding\n'.repeat(210_000)}`;
    const dir = project({ 'pyproject.toml': '[project]\nname = "x"\ndependencies = ["fastapi"]\n', 'main.py': big });
    const report = await detectProject(dir);
    expect(report.unread).toEqual([{ path: 'main.py', reason: 'larger than 2 MB' }]);
    const noApp = diagnose(report).find((f) => f.code === 'no-app');
    expect(noApp?.message).toContain('main.py (larger than 2 MB)');
  });
});
