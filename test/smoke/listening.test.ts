/**
 * A service that listens on a port of its own choosing (API_PORT, a config file) rather than the PORT the
 * smoke test gives it: the port its process tree actually listens on is found and used.
 */
import { describe, expect, it } from 'vitest';
import { listeningPorts } from '../../src/smoke/listening.js';
import { freePort, startService, waitUntilReady } from '../../src/smoke/service.js';

const LISTEN_ON_API_PORT =
  "require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.API_PORT), '127.0.0.1')";

describe.runIf(process.platform === 'linux')('the port the service listens on', () => {
  it('is read from /proc for the whole process tree (a worker under a shell)', async () => {
    const apiPort = await freePort();
    // `; true` keeps sh as the parent: the listener is its child, not sh itself.
    const service = startService(['sh', '-c', `node -e "${LISTEN_ON_API_PORT}"; true`], {
      cwd: process.cwd(),
      env: { ...process.env, API_PORT: String(apiPort) },
    });
    try {
      let ports: number[] = [];
      for (let i = 0; i < 50 && !ports.includes(apiPort); i++) {
        await new Promise((r) => setTimeout(r, 100));
        ports = listeningPorts(service.child.pid!);
      }
      expect(ports).toEqual([apiPort]);
    } finally {
      service.kill();
      await service.exited;
    }
  });

  it('is used when the PORT given is not answering, and said', async () => {
    const [given, apiPort] = [await freePort(), await freePort()];
    const service = startService(['node', '-e', LISTEN_ON_API_PORT], {
      cwd: process.cwd(),
      env: { ...process.env, PORT: String(given), API_PORT: String(apiPort) },
    });
    try {
      const ready = await waitUntilReady(`http://127.0.0.1:${given}/`, service, 10_000, { anyStatus: true });
      expect(ready).toEqual({ url: `http://127.0.0.1:${apiPort}/`, listeningOn: apiPort });
    } finally {
      service.kill();
      await service.exited;
    }
  });
});
