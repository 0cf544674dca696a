/**
 * A hostile .create-traced-service.json in a project: values that would land in generated code, file keys
 * leading outside the project, a base that inflates without end, a newer CLI's file, deep nesting, bytes
 * that are not UTF-8. Each is refused with one line and exit 2 before anything is read or written.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANSWERS_FILE, cliVersion } from '../../src/core/paths.js';
import { REPO_ROOT, runCli, scratchDir } from '../support/helpers.js';
import { picture } from './tree.js';

type Answers = Record<string, any>;

let traced = '';
let generated = '';

beforeAll(async () => {
  traced = path.join(scratchDir('cts-answers-traced-'), 'svc');
  cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'existing', 'single-file'), traced, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: traced });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'service');
  const r = await runCli(['add-tracing', '.', '--yes', '--no-install'], { cwd: traced });
  expect(r.code, r.stderr).toBe(0);
  git('add', '-A');
  git('commit', '-qm', 'traced');
  generated = path.join(scratchDir('cts-answers-gen-'), 'svc');
  const g = await runCli([generated, '--yes', '--no-install', '--service-name', 'svc']);
  expect(g.code, g.stderr).toBe(0);
}, 60_000);

/** A copy of `from` whose answers file was changed by `edit` (or replaced by the bytes it returns). */
function project(from: string, edit: (a: Answers) => Answers | Buffer | string | void): string {
  const dir = path.join(scratchDir('cts-answers-'), 'svc');
  cpSync(from, dir, { recursive: true });
  const file = path.join(dir, ANSWERS_FILE);
  const answers = JSON.parse(readFileSync(file, 'utf8')) as Answers;
  const out = edit(answers) ?? answers;
  writeFileSync(file, typeof out === 'string' || Buffer.isBuffer(out) ? out : JSON.stringify(out, null, 2));
  if (from === traced)
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qam', 'edit'], {
      cwd: dir,
    });
  return dir;
}

async function refused(dir: string, args: string[], message: RegExp) {
  const before = picture(dir);
  const r = await runCli(args, { cwd: dir, timeoutMs: 20_000 });
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(message);
  expect(lines[0]!.length).toBeLessThan(400);
  expect(r.code, r.stderr).toBe(2);
  expect(picture(dir)).toEqual(before);
}

describe('values that would land in generated code', () => {
  it('an app reference holding a line of Python', async () => {
    const dir = project(traced, (a) => {
      a.existing.app = "main\nimport os; os.system('touch pwned')  # :app";
      a.options.serviceName = 'renamed';
    });
    await refused(dir, ['upgrade', '.', '--yes', '--no-install'], /existing\.app: .*module:attribute/);
  });

  it('a telemetry module path holding a quote', async () => {
    const dir = project(traced, (a) => {
      a.existing.telemetryModule = 'otel"; import os; x="telemetry.py';
    });
    await refused(dir, ['upgrade', '.', '--yes', '--no-install'], /existing\.telemetryModule: /);
  });

  it('an app directory leading outside the project', async () => {
    const dir = project(traced, (a) => {
      a.existing.appDir = '../../elsewhere';
    });
    await refused(dir, ['upgrade', '.', '--yes', '--no-install'], /existing\.appDir: .*inside the project/);
  });
});

describe('file keys and bases', () => {
  it.each([
    ['a key climbing out to a device', '../../../../dev/zero'],
    ['an absolute key', '/dev/zero'],
    ['a key with a NUL', 'app/\u0000x'],
  ])('%s', async (_name, key) => {
    const dir = project(generated, (a) => {
      a.files[key] = `sha256:${'0'.repeat(64)}`;
    });
    await refused(dir, ['upgrade', '.', '--dry-run'], /files\.".*": must be a relative path inside the project/);
    // doctor says so too, in time and without reading it.
    const r = await runCli(['doctor', '.'], { cwd: dir, timeoutMs: 20_000 });
    expect(r.stdout + r.stderr).toMatch(/relative path inside the project/);
  });

  it('a base that inflates far beyond any project', async () => {
    const blob = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 }).toString('base64');
    const dir = project(generated, (a) => {
      a.base.data = blob;
    });
    await refused(dir, ['upgrade', '.', '--dry-run'], /base: inflates to more than 16 MB/);
  });
});

describe('files the CLI cannot trust', () => {
  it.each([
    ['upgrade', ['upgrade', '.', '--dry-run']],
    ['add-tracing', ['add-tracing', '.', '--dry-run']],
  ])('%s refuses a file written by a newer version', async (_name, args) => {
    const dir = project(traced, (a) => {
      a.cliVersion = '9.9.9';
    });
    await refused(
      dir,
      args,
      new RegExp(
        `written by create-traced-service 9\\.9\\.9, newer than this one \\(${cliVersion().replace(/\./g, '\\.')}\\)`,
      ),
    );
  });

  it('20,000 levels of nesting', async () => {
    const dir = project(generated, (a) => {
      const text = JSON.stringify(a).replace('"resourceAttributes": {}', '"resourceAttributes": {}');
      return text.replace(/\}\s*$/, `,"deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}`);
    });
    await refused(dir, ['upgrade', '.', '--dry-run'], /\.create-traced-service\.json nests deeper than 32 levels/);
  });

  it('bytes that are not UTF-8', async () => {
    const dir = project(generated, (a) => {
      const text = JSON.stringify({ ...a, options: { ...a.options, environment: 'PLACEHOLDER' } });
      const [head, tail] = text.split('PLACEHOLDER');
      return Buffer.concat([Buffer.from(head!), Buffer.from([0x70, 0x72, 0x6f, 0x64, 0xe9]), Buffer.from(tail!)]);
    });
    await refused(dir, ['upgrade', '.', '--dry-run'], /\.create-traced-service\.json: is not UTF-8/);
  });
});
