/**
 * Hostile --config files: huge, deeply nested, full of unknown keys, or written by another version of
 * the CLI. Each gives one short line and exit 2, and nothing is written.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliVersion } from '../../src/core/paths.js';
import { runCli, scratchDir } from '../support/helpers.js';
import { picture } from './tree.js';

const VALID = { serviceName: 'svc', framework: 'fastapi', exporter: 'otlp-grpc' };

async function withConfig(text: string, extra: string[] = []) {
  const cwd = scratchDir('cts-config-');
  writeFileSync(path.join(cwd, 'c.json'), text);
  const before = picture(cwd);
  const r = await runCli(['svc', '--config', 'c.json', '--yes', '--no-install', ...extra], { cwd });
  return { r, cwd, before, lines: r.stderr.trim().split('\n') };
}

describe('hostile config files', () => {
  it('100k levels of nesting: one line, exit 2', async () => {
    const { r, cwd, before, lines } = await withConfig(
      `{"resourceAttributes":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    );
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: --config: c\.json nests deeper than 20 levels$/);
    expect(r.code).toBe(2);
    expect(picture(cwd)).toEqual(before);
  });

  it('a file over the size limit is not read at all', async () => {
    const { r, lines } = await withConfig(JSON.stringify({ environment: 'x'.repeat(2_000_000) }));
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error: --config: c\.json is larger than 256 KB; an options file is a few hundred bytes$/,
    );
    expect(r.code).toBe(2);
  });

  it('thousands of unknown keys: the first few and a count, in one short line', async () => {
    const keys = Object.fromEntries(Array.from({ length: 15_000 }, (_, i) => [`k${i}`, 1]));
    const { r, lines } = await withConfig(JSON.stringify(keys));
    expect(lines, r.stderr.slice(0, 500)).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: unknown options "k0", "k1", "k2", "k3", "k4" and 14995 more; known options: /);
    expect(lines[0]!.length).toBeLessThan(400);
    expect(r.code).toBe(2);
  });

  it('a huge value is cut short in the message', async () => {
    const { r, lines } = await withConfig(JSON.stringify({ resourceAttributes: [`x${'y'.repeat(100_000)}`] }));
    expect(lines, r.stderr.slice(0, 500)).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThan(200);
    expect(r.code).toBe(2);
  });
});

describe('answers files from other versions', () => {
  it('written by a newer version: refused, naming both versions', async () => {
    const { r, lines } = await withConfig(JSON.stringify({ cliVersion: '99.0.0', options: VALID }));
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toBe(
      `error: --config: c.json was written by create-traced-service 99.0.0, newer than this one (${cliVersion()}); run that version or a newer one`,
    );
    expect(r.code).toBe(2);
  });

  it('written by an older version whose options no longer apply: says which version wrote it', async () => {
    const { r, lines } = await withConfig(
      JSON.stringify({ cliVersion: '0.0.1', options: { ...VALID, colour: 'blue' } }),
    );
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^error: --config: c\\.json was written by create-traced-service 0\\.0\\.1 \\(this is ${cliVersion().replace(/\./g, '\\.')}\\): unknown option "colour"`,
      ),
    );
    expect(r.code).toBe(2);
  });

  it('written by an older version with options that still apply: used, and said so', async () => {
    const { r } = await withConfig(JSON.stringify({ cliVersion: '0.0.1', options: VALID }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'c.json was written by create-traced-service 0.0.1; its options were checked against this version',
    );
  });

  it.each([
    ['a number', 5],
    ['not a version', 'latest'],
  ])('a cliVersion that is %s is refused', async (_name, version) => {
    const { r, lines } = await withConfig(JSON.stringify({ cliVersion: version, options: VALID }));
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: --config: c\.json: cliVersion must be a version such as \d+\.\d+\.\d+, got /);
    expect(r.code).toBe(2);
  });

  it('smoke refuses a project written by a newer version', async () => {
    const cwd = scratchDir('cts-config-');
    writeFileSync(
      path.join(cwd, '.create-traced-service.json'),
      JSON.stringify({ cliVersion: '99.0.0', options: VALID }),
    );
    const r = await runCli(['smoke', '.'], { cwd });
    expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(
      /\.create-traced-service\.json was written by create-traced-service 99\.0\.0, newer than this one/,
    );
    expect(r.code).toBe(2);
  });

  it('numbers written as strings in another notation are refused in answers files too', async () => {
    const { r, lines } = await withConfig(
      JSON.stringify({ cliVersion: cliVersion(), options: { ...VALID, maxQueueSize: '1e3' } }),
    );
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/must be a whole number written in decimal digits$/);
    expect(r.code).toBe(2);
  });
});
