/** add-tracing with a person at the keyboard: it asks which app when it cannot decide, and before writing. */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers.js';
import { changedFiles, committedCopy, E2E_ENV, removeScratch, snapshot } from './e2e-helpers.js';

afterAll(removeScratch);

/** Runs the CLI in a pseudo-terminal (util-linux `script`), sending each key once new output appeared. */
function runInTty(args: string[], keys: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    // A pty has no size by default, and prompts wrap at its width: give it a real terminal's.
    const child = spawn('script', ['-qec', `stty cols 160 rows 50; ${command}`, '/dev/null'], {
      env: { ...process.env, ...E2E_ENV, CI: '', NO_COLOR: '1', TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    const pending = [...keys];
    // Send the next key once the output grew since the last key and then stayed quiet (a prompt waits).
    let sentAt = 0;
    let lastLength = 0;
    let quietSince = Date.now();
    const timer = setInterval(() => {
      if (output.length !== lastLength) {
        lastLength = output.length;
        quietSince = Date.now();
        return;
      }
      if (pending.length > 0 && output.length > sentAt && Date.now() - quietSince >= 700) {
        sentAt = output.length;
        child.stdin.write(pending.shift()!);
      }
    }, 100);
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`TTY session timed out:\n${output}`));
    }, 60_000);
    child.on('exit', (code) => {
      clearInterval(timer);
      clearTimeout(killer);
      resolve({ code, output });
    });
  });
}

function twoApps(): string {
  return committedCopy(null, (d) => {
    writeFileSync(path.join(d, 'public.py'), 'from fastapi import FastAPI\napp = FastAPI()\n');
    writeFileSync(path.join(d, 'admin.py'), 'from fastapi import FastAPI\nadmin = FastAPI()\n');
  });
}

describe('add-tracing in a terminal', () => {
  it('asks which app, shows the diff, asks before writing, then writes', async () => {
    const dir = twoApps();
    // Down arrow + Enter picks the second app (public:app); Enter accepts "write these changes?".
    const r = await runInTty(['add-tracing', dir, '--no-install'], ['\x1b[B\r', '\r']);
    expect(r.output).toContain('Which app should be traced?');
    expect(r.output).toContain('+++ b/public.py');
    expect(r.output).toContain('Write these changes to');
    expect(r.code, r.output).toBe(0);
    expect(readFileSync(path.join(dir, 'public.py'), 'utf8')).toContain('otel_telemetry.instrument_app(app)');
    expect(readFileSync(path.join(dir, 'admin.py'), 'utf8')).toBe('from fastapi import FastAPI\nadmin = FastAPI()\n');
  });

  it('answering no writes nothing', async () => {
    const dir = committedCopy('events');
    const before = snapshot(dir);
    const r = await runInTty(['add-tracing', dir, '--no-install'], ['n\r']);
    expect(r.output).toContain('Write these changes to');
    expect(r.code).toBe(130);
    expect(changedFiles(before, snapshot(dir))).toEqual([]);
  });
});
