/** add-tracing with a person at the keyboard: it asks which app when it cannot decide, and before writing. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runInTty as runInTtyWith } from '../support/helpers.js';
import { changedFiles, committedCopy, E2E_ENV, removeScratch, snapshot } from '../support/add-tracing.js';

afterAll(removeScratch);

const runInTty = (args: string[], keys: string[]) => runInTtyWith(args, keys, { env: E2E_ENV });

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
