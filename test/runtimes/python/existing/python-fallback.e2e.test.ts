/**
 * A project that declares no Python and pins a package the newest installed interpreter cannot build
 * (greenlet 3.0.1 has no wheel for 3.13 and its C source predates it): the venv is built with the next
 * installed interpreter, and the user is told which and how to declare it.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { addTracing, committedCopy, jsonOf, removeScratch } from '../../../support/add-tracing.js';

afterAll(removeScratch);
vi.setConfig({ testTimeout: 400_000 });

function greenletService(dir: string): void {
  writeFileSync(path.join(dir, 'requirements.txt'), 'flask==3.0.3\ngreenlet==3.0.1\n');
  writeFileSync(
    path.join(dir, 'app.py'),
    'from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get("/")\ndef index():\n    return {"ok": True}\n',
  );
}

describe('no declared Python, a pin that does not build on the newest one', () => {
  it('falls back to the next installed interpreter, says which, and suggests declaring it', async () => {
    const dir = committedCopy(null, greenletService);
    const run = await addTracing(dir, ['--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = jsonOf(run);
    expect(result.environment.python).toMatch(/^3\.12\./);
    expect(run.stderr).toMatch(/Python 3\.13\.\d+ could not build greenlet/);
    expect(result.notes.join('\n')).toMatch(/requires-python = ">=3\.12,<3\.13".*\.python-version/);
  });

  it('--python 3.12 chooses it from the start', async () => {
    const dir = committedCopy(null, greenletService);
    const run = await addTracing(dir, ['--yes', '--json', '--python', '3.12']);
    expect(run.code, run.stderr).toBe(0);
    expect(jsonOf(run).environment.python).toMatch(/^3\.12\./);
    expect(run.stderr).not.toMatch(/could not build/);
  });
});
