/** `dev` started as a person starts it, in its own process: what it printed, where its page is, its exit. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../src/smoke/service.js';
import { CLI } from './helpers.js';

/** A running `dev`: what it printed, and its exit. */
export interface Dev {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
  pageUrl: string;
  servicePort: number;
  saved: string;
}

export async function startDev(dir: string, extra: string[] = []): Promise<Dev> {
  const servicePort = await freePort();
  const saved = path.join(dir, 'dev-run.jsonl');
  const args = ['dev', dir, '--port', '0', '--service-port', String(servicePort), '--save', saved, ...extra];
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const dev = { child, out: () => out, exited, pageUrl: '', servicePort, saved };
  const deadline = Date.now() + 90_000;
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  for (;;) {
    const url = /Live view: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
    if (url) return { ...dev, pageUrl: url };
    if (exitedEarly || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`dev printed no page address:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
