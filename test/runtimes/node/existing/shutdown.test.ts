// A service's own SIGTERM handler: found by the analysis, named in the review and in the smoke hint, and
// the bootstrap's flush runs in its shutdown path so the process both flushes and exits.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../../../src/generate/render.js';
import { templateContext } from '../../../../src/generate/plan.js';
import { nodeTemplates } from '../../../../src/runtimes/node/templates.js';
import { parseServiceOptions } from '../../../../src/options/schema.js';
import { analyseNodeProject } from '../../../../src/runtimes/node/existing/project.js';
import { analysisNotes, explainShutdown } from '../../../../src/runtimes/node/existing/review-notes.js';
import type { SmokeReport } from '../../../../src/smoke/run.js';
import { scratchDir } from '../../../support/helpers.js';

function project(files: Record<string, string>): string {
  const dir = scratchDir('cts-node-shutdown-');
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

const SERVER = [
  "const express = require('express');", // 1
  "const { pool } = require('./db');", // 2
  'const app = express();', // 3
  "app.get('/orders', (_req, res) => res.json([]));", // 4
  'const server = app.listen(process.env.API_PORT);', // 5
  '', // 6
  "process.on('SIGTERM', () => {", // 7
  "  console.log('closing');", // 8
  '  server.close();', // 9
  '});', // 10
].join('\n');

describe("the service's own signal handlers", () => {
  it('are found with file:line, library ones included, and named in the review', () => {
    const dir = project({
      'package.json': JSON.stringify({ scripts: { start: 'node src/server.js' }, dependencies: { express: '4' } }),
      'src/server.js': SERVER,
      'src/db.js':
        "const { createTerminus } = require('@godaddy/terminus');\nexports.pool = {};\nexports.watch = (server) => createTerminus(server, { signals: ['SIGINT'] });\n",
    });
    const p = analyseNodeProject(dir);
    expect(p.signalHandlers).toEqual([
      { file: 'src/server.js', line: 7, signal: 'SIGTERM' },
      { file: 'src/db.js', line: 3, signal: 'SIGTERM', via: '@godaddy/terminus' },
    ]);
    const notes = analysisNotes(p);
    expect(notes.join('\n')).toMatch(/src\/server\.js:7.*SIGTERM/);
  });

  it('are named in the smoke hint when the service did not exit', () => {
    const dir = project({
      'package.json': JSON.stringify({ scripts: { start: 'node server.js' }, dependencies: { express: '4' } }),
      'server.js': SERVER.replace("require('./db')", '{}'),
    });
    const report = {
      ok: false,
      checks: [
        {
          name: 'graceful stop',
          ok: false,
          detail: 'did not exit after SIGTERM and was killed',
          diagnosis: 'the server did not stop on SIGTERM: the shutdown flush may be hanging',
        },
      ],
      shutdown: { exitCode: null, signal: 'SIGKILL', killed: true, sigtermAtMs: 0 },
    } as unknown as SmokeReport;
    explainShutdown(report, analyseNodeProject(dir));
    expect(report.checks[0]!.diagnosis).toMatch(/server\.js:7/);
    expect(report.checks[0]!.diagnosis).not.toMatch(/flush may be hanging/);
  });
});

/** The bootstrap's signal part, with a stand-in flush that says when it runs. */
function bootstrapStub(): string {
  const signals = renderTemplate(
    'add-tracing/node-signals.mjs.hbs',
    templateContext(parseServiceOptions({ serviceName: 'svc', framework: 'express' }), nodeTemplates),
  );
  return [
    'let flushed;',
    "function shutdownTelemetry() { flushed ??= (console.log('flush'), new Promise((r) => setTimeout(r, 50))); return flushed; }",
    signals,
  ].join('\n');
}

/** Starts `node --import ./boot.mjs app.mjs`, waits for its port, optionally sends a slow request, sends SIGTERM. */
async function runApp(app: string, slowRequest = false) {
  const dir = project({ 'boot.mjs': bootstrapStub(), 'app.mjs': app });
  const child = spawn(process.execPath, ['--import', './boot.mjs', 'app.mjs'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<{ code: number | null; signal: string | null; ms: number }>((resolve) => {
    let sent = 0;
    child.on('exit', (code, signal) => resolve({ code, signal, ms: sent ? Date.now() - sent : -1 }));
    const timer = setInterval(() => {
      const port = /listening (\d+)/.exec(out)?.[1];
      if (!port) return;
      clearInterval(timer);
      const response = slowRequest
        ? new Promise<number>((r) =>
            http.get(`http://127.0.0.1:${port}/slow`, { agent: false }, (res) => r(res.statusCode ?? 0)),
          )
        : Promise.resolve(0);
      setTimeout(() => {
        sent = Date.now();
        child.kill('SIGTERM');
        void response.then((status) => (out += `client got ${status}\n`));
      }, 100);
    }, 20);
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 12_000);
  const result = await exited;
  clearTimeout(killer);
  return { ...result, out };
}

const APP = (handler: string, keepAlive: boolean) =>
  [
    "import http from 'node:http';",
    'const server = http.createServer((req, res) => {',
    "  if (req.url === '/slow') setTimeout(() => { console.log('slow done'); res.end('ok'); }, 600);",
    "  else res.end('ok');",
    '});',
    "server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));",
    keepAlive ? 'setInterval(() => {}, 1000); // a pool, a scheduler: something that keeps the loop alive' : '',
    handler,
  ].join('\n');

describe('the bootstrap on SIGTERM', () => {
  it("flushes and exits when the service's handler closes its server but never exits", async () => {
    const r = await runApp(APP("process.on('SIGTERM', () => server.close(() => console.log('closed')));", true), true);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    // The request in flight at SIGTERM is answered, and the flush comes after it: its span is not lost.
    const order = ['slow done', 'closed', 'flush'].map((s) => r.out.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(r.out).toContain('client got 200');
  });

  it("flushes after the service's handler is done when the process ends by itself", async () => {
    const r = await runApp(APP("process.on('SIGTERM', () => server.close(() => console.log('closed')));", false));
    expect(r.code).toBe(0);
    expect(r.out.indexOf('closed')).toBeGreaterThanOrEqual(0);
    expect(r.out.indexOf('flush')).toBeGreaterThan(r.out.indexOf('closed'));
  });

  it('lets an exit the service asks for wait for the flush', async () => {
    const r = await runApp(
      APP("process.on('SIGTERM', () => server.close(() => { console.log('closed'); process.exit(3); }));", true),
    );
    expect(r.code).toBe(3);
    expect(r.out.indexOf('flush')).toBeGreaterThan(r.out.indexOf('closed'));
  });

  it('ends by the signal, after the flush, when the service has no handler', async () => {
    const r = await runApp(APP('', true));
    expect(r.signal).toBe('SIGTERM');
    expect(r.out).toContain('flush');
  });
});
