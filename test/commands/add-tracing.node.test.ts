import { spawn } from 'node:child_process';
import net from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, listTree, runCli, scratchDir } from '../support/helpers.js';
import { fixtureRepo } from '../support/fixture-repo.js';

const gitRepo = (fixture: string) => fixtureRepo(fixture, 'cts-node-cli-');

const snapshot = (dir: string) =>
  Object.fromEntries(
    listTree(dir)
      .filter((f) => !f.startsWith('.git/'))
      .map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]),
  );

describe('add-tracing on a Node service (CLI)', () => {
  it('--dry-run shows the diff and writes nothing', async () => {
    const dir = gitRepo('express-cjs');
    const before = snapshot(dir);
    const r = await runCli(['add-tracing', dir, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('+        "start": "NODE_ENV=production node --import ./telemetry.mjs server.js"');
    expect(r.stdout).toContain('+ telemetry.mjs');
    expect(snapshot(dir)).toEqual(before);
  });

  it('--ci github adds the workflow to the reviewed change', async () => {
    const dir = gitRepo('express-cjs');
    const before = snapshot(dir);
    const r = await runCli(['add-tracing', dir, '--dry-run', '--ci', 'github']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('+ .github/workflows/telemetry.yml');
    expect(snapshot(dir)).toEqual(before);
    const bad = await runCli(['add-tracing', dir, '--dry-run', '--ci', 'circle']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('error: --ci "circle": expected one of github, gitlab');
  });

  it('writes with --yes, and a second run changes nothing', async () => {
    const dir = gitRepo('express-cjs');
    const first = await runCli(['add-tracing', dir, '--yes', '--no-install', '--no-lock']);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const after = snapshot(dir);
    expect(after['telemetry.mjs']).toContain('process.once(signal');
    expect(JSON.parse(after['package.json']!).scripts.start).toContain('--import ./telemetry.mjs');
    expect(after.Dockerfile).toContain('CMD ["node", "--import", "./telemetry.mjs", "server.js"]');
    const second = await runCli(['add-tracing', dir, '--yes', '--no-install', '--no-lock', '--force']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('Nothing to change');
    expect(snapshot(dir)).toEqual(after);
  });

  it('refuses uncommitted changes and a run without consent: exit 2, nothing changed', async () => {
    const dir = gitRepo('express-cjs');
    writeFileSync(path.join(dir, 'package.json'), `${readFileSync(path.join(dir, 'package.json'), 'utf8')} `);
    const dirty = snapshot(dir);
    const r = await runCli(['add-tracing', dir, '--no-install']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/uncommitted changes in package\.json/);
    expect(snapshot(dir)).toEqual(dirty);
    const noConsent = await runCli(['add-tracing', dir, '--no-install', '--force']);
    expect(noConsent.code).toBe(2);
    expect(noConsent.stderr).toMatch(/pass --yes/);
    expect(snapshot(dir)).toEqual(dirty);
  });
});

describe('doctor on a Node service (CLI)', () => {
  it('exits 1 and names each problem of the broken service', async () => {
    const r = await runCli(['doctor', path.resolve('test/fixtures/existing-node/express-broken'), '--json']);
    expect(r.code).toBe(1);
    const codes = (JSON.parse(r.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code);
    expect(codes).toContain('node.start.sdk-after-framework');
    expect(codes).toContain('node.processor.simple');
  });

  it('exits 1 on an untraced Fastify TypeScript service, 0 once add-tracing wired it', async () => {
    const r = await runCli(['doctor', path.resolve('test/fixtures/existing-node/fastify-ts')]);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/fastify \^5\.2\.1; ES modules, TypeScript built into dist\/, npm \(no lockfile\)/);
    expect(r.stdout).toMatch(/no OpenTelemetry SDK among the dependencies/);
    const dir = gitRepo('fastify-ts');
    const wired = await runCli(['add-tracing', dir, '--yes', '--no-install', '--no-lock']);
    expect(wired.code, wired.stderr).toBe(0);
    const after = await runCli(['doctor', dir, '--json']);
    expect(after.code, after.stdout).toBe(0);
    const codes = (JSON.parse(after.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code);
    expect(codes).toEqual(['node.detected', 'node.traced']);
  });
});

describe('add-tracing when the lockfile cannot be updated', () => {
  it('restores every file it wrote and exits 1', async () => {
    const dir = gitRepo('express-cjs');
    const before = snapshot(dir);
    // npm offline with an empty cache: the new packages cannot be resolved, and it fails at once.
    const env = { npm_config_offline: 'true', npm_config_cache: scratchDir('cts-npm-cache-') };
    const r = await runCli(['add-tracing', dir, '--yes', '--no-install'], { env, timeoutMs: 300_000 });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/The changed files were restored/);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('add-tracing interrupted while the lockfile is updated', () => {
  it('stops the package manager and puts every file back (exit 130)', async () => {
    const dir = gitRepo('express-cjs');
    const before = snapshot(dir);
    // A registry that accepts connections and never answers: npm waits there until it is stopped.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const env = {
      ...process.env,
      NO_COLOR: '1',
      npm_config_registry: `http://127.0.0.1:${port}/`,
      npm_config_cache: scratchDir('cts-npm-cache-'),
      npm_config_fetch_retries: '0',
    };
    const child = spawn(process.execPath, [CLI, 'add-tracing', dir, '--yes', '--no-install'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const interrupted = new Promise<void>((resolve) => {
      const watch = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Updating package-lock.json')) {
          setTimeout(() => child.kill('SIGINT'), 1_000);
          resolve();
        }
      };
      child.stdout.on('data', watch);
      child.stderr.on('data', watch);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    await interrupted;
    silent.close();
    expect(code, output).toBe(130);
    expect(snapshot(dir)).toEqual(before);
  });
});
