/**
 * How `dev` starts each framework's service: with its server's own reloader (the framework table decides
 * which), the plain start command with --no-reload, and a wired service's recorded command as recorded.
 */
import { describe, expect, it } from 'vitest';
import { ALL_FRAMEWORKS, serviceFramework } from '../../src/catalog/frameworks/index.js';
import { runtimeOf } from '../../src/runtimes/index.js';

const PORT = 8123;
const devOf = (name: string, reload: boolean, existing?: { serverCommand: string[]; app: string }) =>
  runtimeOf(name).devService('/srv/project', serviceFramework(name), existing, reload);

describe('dev: the service command', () => {
  it.each(ALL_FRAMEWORKS.map((f) => f.name))('%s: reloads by default, on the port given', (name) => {
    const dev = devOf(name, true);
    const plain = serviceFramework(name).serverCommand({ host: '127.0.0.1', port: PORT });
    expect(dev.reloads).toBe(true);
    expect(dev.command(PORT)).not.toEqual(plain);
    expect(dev.command(PORT).join(' ')).toContain(String(PORT));
  });

  it.each(ALL_FRAMEWORKS.map((f) => f.name))('%s: --no-reload runs the start command the smoke test runs', (name) => {
    const dev = devOf(name, false);
    expect(dev.reloads).toBe(false);
    expect(dev.companion).toBeUndefined();
    expect(dev.command(PORT)).toEqual(serviceFramework(name).serverCommand({ host: '127.0.0.1', port: PORT }));
  });

  it('uvicorn watches the app package only (polling the whole project would poll its venv)', () => {
    for (const name of ['fastapi', 'starlette'])
      expect(devOf(name, true).command(PORT)).toEqual([
        'uvicorn',
        'app.main:app',
        '--host',
        '127.0.0.1',
        '--port',
        String(PORT),
        '--reload',
        '--reload-dir',
        'app',
      ]);
  });

  it('gunicorn restarts its worker on a change, before the app argument', () => {
    expect(devOf('flask', true).command(PORT).slice(-2)).toEqual(['--reload', 'app.main:app']);
    expect(devOf('django', true).command(PORT).slice(-2)).toEqual(['--reload', 'config.wsgi:application']);
  });

  it('a Node service runs under node --watch, its build in watch mode beside it', () => {
    for (const name of ['express', 'fastify']) {
      const dev = devOf(name, true);
      expect(dev.command(PORT).slice(0, 3)).toEqual(['node', '--watch', '--watch-preserve-output']);
      expect(dev.companion?.slice(0, 4)).toEqual(['npm', 'run', 'build', '--']);
      expect(dev.companion).toEqual(expect.arrayContaining(['--watch', '--incremental']));
    }
  });

  it('a wired service keeps its recorded command: whether a reloader keeps the wiring is not known', () => {
    const python = devOf('flask', true, { app: 'svc:app', serverCommand: ['flask', 'run', '--port', '{port}'] });
    expect(python.reloads).toBe(false);
    expect(python.command(PORT)).toEqual(['flask', 'run', '--port', String(PORT)]);
    const node = devOf('express', true, { app: 'index.js', serverCommand: ['node', 'index.js'] });
    expect(node.reloads).toBe(false);
    expect(node.companion).toBeUndefined();
    expect(node.command(PORT)).toEqual(['env', `PORT=${PORT}`, 'node', 'index.js']);
  });
});
