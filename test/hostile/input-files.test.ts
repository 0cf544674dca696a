/**
 * A project's own files as hostile input: bytes that are not UTF-8, JSON nested thousands deep or of the
 * wrong types, TOML that fools a line scanner, and a symlinked requirements file. Each is refused in one
 * line (exit 2, nothing written) or handled as the file it really is.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, scratchDir } from '../support/helpers.js';
import { picture } from './tree.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');

function copyFixture(rel: string): string {
  const dir = path.join(scratchDir('cts-input-'), 'svc');
  cpSync(path.join(FIXTURES, rel), dir, { recursive: true });
  return dir;
}

function commitAll(dir: string): void {
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'service');
}

async function refused(dir: string, args: string[], message: RegExp) {
  const before = picture(dir);
  const r = await runCli(args, { cwd: dir, timeoutMs: 30_000 });
  expect(r.stderr.match(/^error:/gm), r.stderr).toHaveLength(1);
  const last = r.stderr.trim().split('\n').at(-1)!;
  expect(last).toMatch(message);
  expect(last.length).toBeLessThan(300);
  expect(r.code, r.stderr).toBe(2);
  expect(picture(dir)).toEqual(before);
}

/** package.json with `edit` applied to its text. */
function nodeProject(edit: (text: string) => string | Buffer): string {
  const dir = copyFixture('existing-node/express-cjs');
  const file = path.join(dir, 'package.json');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  return dir;
}

describe('bytes that are not UTF-8', () => {
  it('package.json in Latin-1: refused, naming it (never rewritten with U+FFFD)', async () => {
    const dir = nodeProject((text) =>
      Buffer.from(text.replace(/"private"/, '"description": "caf\u00e9",\n  "private"'), 'latin1'),
    );
    await refused(dir, ['add-tracing', '.', '--yes', '--no-install'], /package\.json: is not UTF-8; save it as UTF-8/);
  });

  it('a --config file in Latin-1', async () => {
    const dir = scratchDir('cts-input-');
    writeFileSync(path.join(dir, 'c.json'), Buffer.from('{"environment": "d\u00e9v"}', 'latin1'));
    await refused(
      dir,
      ['svc', '--config', 'c.json', '--yes', '--no-install'],
      /^error: --config: c\.json: is not UTF-8/,
    );
  });
});

describe('package.json that crashed the analysis', () => {
  it('a value nested 5,000 deep', async () => {
    const dir = nodeProject((text) => text.replace(/\}\s*$/, `,"config":${'['.repeat(5000)}${']'.repeat(5000)}}\n`));
    await refused(
      dir,
      ['add-tracing', '.', '--dry-run'],
      /package\.json cannot be read \(nests deeper than 64 levels\)/,
    );
  });

  it('"name": 123', async () => {
    const dir = nodeProject((text) => text.replace(/"name": "[^"]*"/, '"name": 123'));
    await refused(
      dir,
      ['add-tracing', '.', '--dry-run'],
      /package\.json cannot be read \("name" must be a string, got 123\)/,
    );
  });
});

describe('pyproject.toml read as TOML reads it', () => {
  it("a basic string holding ''' before [project] opens no multi-line string", async () => {
    const dir = copyFixture('existing/single-file');
    const file = path.join(dir, 'pyproject.toml');
    writeFileSync(file, `title = "a ''' b"  # and a """ in a comment\n${readFileSync(file, 'utf8')}`);
    const r = await runCli(['add-tracing', '.', '--dry-run'], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\+\s+"opentelemetry-sdk==/);
  });
});

describe('a symlinked requirements file', () => {
  it('requirements.txt -> reqs/base.txt: the target is edited, the link stays a link', async () => {
    const dir = copyFixture('existing/single-file');
    // A requirements-only service: its pins live in reqs/base.txt, reached through the link.
    renameSync(path.join(dir, 'pyproject.toml'), path.join(dir, 'pyproject.off'));
    writeFileSync(path.join(dir, 'pyproject.off'), '');
    mkdirSync(path.join(dir, 'reqs'));
    writeFileSync(path.join(dir, 'reqs', 'base.txt'), 'fastapi>=0.115\nuvicorn>=0.30\n');
    symlinkSync('reqs/base.txt', path.join(dir, 'requirements.txt'));
    commitAll(dir);
    const r = await runCli(['add-tracing', '.', '--yes', '--no-install'], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(path.join(dir, 'requirements.txt')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path.join(dir, 'requirements.txt'))).toBe('reqs/base.txt');
    expect(readFileSync(path.join(dir, 'reqs', 'base.txt'), 'utf8')).toMatch(/^opentelemetry-sdk==/m);
  });
});
