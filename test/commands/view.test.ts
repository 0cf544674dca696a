/** `view` and `dev` as a user runs them: bad flags, the printed page, Ctrl-C stopping everything. */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, scratchDir } from '../support/helpers.js';

describe('view and dev: bad input', () => {
  it.each([
    [['view', '--port', 'abc'], /--port must be a port number/],
    [['view', '--http-port', '70000'], /--http-port must be a port number/],
    [['view', '--max-spans', '0'], /--max-spans must be a positive whole number/],
  ])('%j is refused in one line with exit 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('dev refuses a directory that is no generated or wired project', async () => {
    const r = await runCli(['dev', scratchDir('cts-dev-')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no \.create-traced-service\.json/);
  });
});

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

describe('view', () => {
  it('prints where it receives and the page, serves it, and frees every port on Ctrl-C', async () => {
    const child = spawn(process.execPath, [CLI, 'view', '--grpc-port', '0', '--http-port', '0', '--port', '0'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => out, { timeout: 15_000 }).toMatch(/Live view: http:\/\/127\.0\.0\.1:\d+\//);
      const page = /Live view: (http:\/\/127\.0\.0\.1:(\d+)\/)/.exec(out);
      const http = /and http:\/\/127\.0\.0\.1:(\d+) \(HTTP\)/.exec(out);
      expect((await fetch(page?.[1] as string)).status).toBe(200);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(await portIsFree(Number(page?.[2]))).toBe(true);
      expect(await portIsFree(Number(http?.[1]))).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
