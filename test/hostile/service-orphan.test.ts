/**
 * The service under test must not outlive the CLI, however the CLI dies: SIGKILL or running out of heap
 * run none of its exit handlers, so only something outside it can stop the service's process group.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { rolldown } from 'rolldown';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, scratchDir } from '../support/helpers.js';
import { freePort } from '../../src/smoke/service.js';
import { groupAlive, waitFor, within } from './processes.js';

let ownerScript = '';
const started: number[] = [];

// A failing run must not leave its service behind for the rest of the suite.
afterEach(() => {
  for (const pgid of started.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
});

beforeAll(async () => {
  const bundle = await rolldown({
    cwd: REPO_ROOT,
    input: path.join(REPO_ROOT, 'test/hostile/fixtures/service-owner.ts'),
    platform: 'node',
    logLevel: 'silent',
  });
  const { output } = await bundle.generate({ format: 'esm', codeSplitting: false });
  await bundle.close();
  ownerScript = path.join(scratchDir('cts-orphan-'), 'owner.mjs');
  writeFileSync(ownerScript, output[0].code);
}, 60_000);

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts the stand-in CLI; resolves once its service listens, with what is needed to kill and watch both. */
async function startOwner(port: number, nodeArgs: string[], mode = '') {
  const owner = spawn(process.execPath, [...nodeArgs, ownerScript, String(port), mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  owner.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  owner.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    owner.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const pgid = await waitFor('the service to listen', () => Number(/ready (\d+)/.exec(out)?.[1] ?? 0), 15_000);
  started.push(pgid);
  expect(await listening(port)).toBe(true);
  return { owner, pgid, exited, output: () => out };
}

describe('the service dies with the CLI', () => {
  it('SIGKILL to the CLI', async () => {
    const port = await freePort();
    const { owner, pgid, exited } = await startOwner(port, []);
    owner.kill('SIGKILL');
    await within(exited, 5000, 'the CLI after SIGKILL');
    await waitFor(`the service group ${pgid} to be gone`, () => !groupAlive(pgid), 3000);
    expect(await listening(port)).toBe(false);
  }, 30_000);

  it('the CLI running out of heap', async () => {
    const port = await freePort();
    const { pgid, exited, output } = await startOwner(port, ['--max-old-space-size=48'], 'oom');
    const exit = await within(exited, 20_000, 'the CLI to run out of heap');
    expect(exit.code ?? exit.signal, output()).not.toBe(0);
    expect(output()).toMatch(/heap out of memory/);
    await waitFor(`the service group ${pgid} to be gone`, () => !groupAlive(pgid), 3000);
    expect(await listening(port)).toBe(false);
  }, 30_000);
});
