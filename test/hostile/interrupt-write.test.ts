/**
 * Ctrl-C at random moments while --force writes into a user's project: the target is either exactly as
 * before or the complete project, never a mix, and nothing of the write is left behind.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseServiceOptions } from '../../src/options/schema.js';
import { plan } from '../../src/generate/plan.js';
import { runtimeOf } from '../../src/runtimes/index.js';

const planOf = (o: Parameters<typeof plan>[0]) => plan(o, runtimeOf(o.framework));
import { writeTree } from '../../src/generate/write.js';
import { runCli, scratchDir } from '../support/helpers.js';
import { startSession, within } from './processes.js';
import { leftovers, picture } from './tree.js';

function userProject(dir: string): void {
  mkdirSync(path.join(dir, 'app'), { recursive: true });
  writeFileSync(path.join(dir, 'README.md'), 'my readme\n');
  writeFileSync(path.join(dir, 'app', 'main.py'), 'print("mine")\n');
  writeFileSync(path.join(dir, 'keep.txt'), 'mine\n');
}

describe('Ctrl-C during a --force write', () => {
  it('no moment where a signal handler can run sees a half-replaced target', async () => {
    // A signal handler runs between event-loop turns: look at the target at every turn of the write.
    const t = scratchDir('cts-turns-');
    userProject(t);
    const before = JSON.stringify(picture(t));
    const write = writeTree(t, planOf(parseServiceOptions({ serviceName: 'svc' })).files, { force: true });
    let finished = false;
    void write.finally(() => (finished = true));
    const seen = new Set<string>();
    while (!finished) {
      seen.add(JSON.stringify(picture(t)));
      await new Promise((r) => setImmediate(r));
    }
    await write;
    const after = JSON.stringify(picture(t));
    expect(after).not.toBe(before);
    // Every look saw the original tree or the finished one, never a mix.
    const mixed = [...seen].filter((state) => state !== before && state !== after);
    expect(mixed.length, `${mixed.length} half-written states seen`).toBe(0);
  });

  it('leaves the target as before or complete, at any moment', async () => {
    const base = scratchDir('cts-sigwrite-');
    const template = path.join(base, 'template');
    userProject(template);
    const before = picture(template);
    // The complete result, from an uninterrupted run.
    const full = path.join(base, 'full');
    cpSync(template, full, { recursive: true });
    const done = await runCli(['full', '--force', '--yes', '--no-install', '--service-name', 'svc'], { cwd: base });
    expect(done.code, done.stderr).toBe(0);
    const after = picture(full);
    expect(after).not.toEqual(before);

    const outcomes: string[] = [];
    for (let i = 0; i < 12; i++) {
      const t = path.join(base, `run${i}`);
      cpSync(template, t, { recursive: true });
      const session = startSession([`run${i}`, '--force', '--yes', '--no-install', '--service-name', 'svc'], {
        cwd: base,
      });
      // Spread over the whole run: start-up, option parsing, planning, writing, exit. The first lands at
      // once, during start-up, however fast this Node starts.
      await new Promise((r) => setTimeout(r, i === 0 ? 0 : i * 45 + Math.random() * 40));
      try {
        process.kill(-session.pid, 'SIGINT');
      } catch {
        // already finished
      }
      const exit = await within(session.exited, 20_000, 'the interrupted run');
      // Before the CLI installed its handlers, SIGINT ends it the default way (which a shell reports as 130).
      const code = exit.signal === 'SIGINT' ? 130 : exit.code;
      const now = picture(t);
      const state =
        JSON.stringify(now) === JSON.stringify(before)
          ? 'before'
          : JSON.stringify(now) === JSON.stringify(after)
            ? 'complete'
            : 'MIXED';
      outcomes.push(`${code}:${state}`);
      expect(state, session.output()).not.toBe('MIXED');
      expect([0, 130]).toContain(code);
      expect(leftovers(base)).toEqual([]);
    }
    // Both outcomes happened, so the signals really landed at different moments.
    expect(
      outcomes.some((o) => o.endsWith('before')),
      outcomes.join(' '),
    ).toBe(true);
  }, 120_000);
});
