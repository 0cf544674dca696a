/**
 * add-tracing end to end on an Express service shaped like many real ones: started by `node build` (a
 * folder made by its build script from src/), loading modules without extensions and its package.json,
 * listening on API_PORT instead of PORT, and stopping with its own SIGTERM handler that closes the server
 * while a timer keeps the process alive. Only a real install, build and smoke run shows all of it working.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/helpers.js';
import { startDev } from '../support/dev.js';
import { fixtureRepo } from '../support/fixture-repo.js';

interface Result {
  ok: boolean;
  notes: string[];
  smoke?: { ok: boolean; notes: string[]; checks: { name: string; ok: boolean; detail: string }[] };
}

const INDEX = [
  "'use strict';",
  "const express = require('express');",
  "const { version } = require('../package.json');",
  "const orders = require('./routes/orders');",
  '',
  'const app = express();',
  "app.get('/status', (req, res) => res.json({ up: true, version }));",
  "app.use('/orders', orders);",
  '',
  'const server = app.listen(Number(process.env.API_PORT || 5050));',
  '// A cache refresh: keeps the event loop alive after the server is closed.',
  'setInterval(() => {}, 60_000);',
  "process.on('SIGTERM', () => {", // line 13
  "  console.log('closing the server');",
  '  server.close();',
  '});',
  '',
].join('\n');

describe('add-tracing on a built Express service with its own port and SIGTERM handler', () => {
  it('builds it, finds its port, flushes through its handler, passes the smoke test and runs under dev', async () => {
    const dir = fixtureRepo('express-cjs', 'cts-node-shapes-');
    rmSync(path.join(dir, 'server.js'));
    rmSync(path.join(dir, 'Dockerfile'));
    mkdirSync(path.join(dir, 'src'));
    cpSync(path.join(dir, 'routes'), path.join(dir, 'src/routes'), { recursive: true });
    rmSync(path.join(dir, 'routes'), { recursive: true });
    writeFileSync(path.join(dir, 'src/index.js'), INDEX);
    writeFileSync(
      path.join(dir, 'copy.mjs'),
      "import { cpSync } from 'node:fs';\ncpSync('src', 'build', { recursive: true });\n",
    );
    writeFileSync(
      path.join(dir, 'package.json'),
      `${JSON.stringify(
        {
          name: 'orders-api',
          version: '1.0.0',
          private: true,
          scripts: { build: 'node copy.mjs', start: 'node build' },
          dependencies: { 'body-parser': '^1.20.3', express: '^4.21.2' },
        },
        null,
        4,
      )}\n`,
    );
    writeFileSync(path.join(dir, '.gitignore'), 'build/\n');
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir });
    git('add', '-A');
    git('commit', '-qm', 'built from src/, on API_PORT');

    const r = await runCli(['add-tracing', dir, '--yes', '--json', '--route', '/status'], { timeoutMs: 600_000 });
    const result = JSON.parse(r.stdout) as Result;
    expect(
      result.smoke?.checks.filter((c) => !c.ok),
      r.stderr,
    ).toEqual([]);
    expect(r.code).toBe(0);
    expect(result.notes.join('\n')).toMatch(/src\/index\.js:13 \(process\.on\('SIGTERM'\)\)/);
    expect(result.notes.join('\n')).toMatch(/entry build is built from src\/index\.js: `npm run build`/);
    expect(result.smoke?.notes.join('\n')).toMatch(/listens on port 5050, not on the PORT=\d+/);
    expect(result.smoke?.checks.find((c) => c.name === 'graceful stop')?.detail).toMatch(/exited with code 0/);

    // `dev` shows the service where it really listens, as the smoke test found it.
    const dev = await startDev(dir);
    dev.child.kill('SIGINT');
    await dev.exited;
    expect(dev.out()).toMatch(/Service: http:\/\/127\.0\.0\.1:5050\//);
    expect(dev.out()).toMatch(/listens on port 5050, not on the PORT=\d+/);
  });
});
