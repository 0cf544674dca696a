/**
 * Hostile filesystems under the target: symlinks out of it, files where folders go, special files, races
 * between two runs. Each must end in one error line and exit 2 with the disk exactly as before, or in a
 * complete project that lies entirely inside the target.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, scratchDir, type CliResult } from '../support/helpers.js';
import { leftovers, picture } from './tree.js';

const write = (args: string[], cwd: string) => runCli([...args, '--yes', '--no-install'], { cwd, timeoutMs: 30_000 });

function errorLines(r: CliResult): string[] {
  return r.stderr
    .trim()
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('(run with --help'));
}

function expectRefused(r: CliResult, pattern: RegExp): void {
  const lines = errorLines(r);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.code, r.stderr).toBe(2);
}

/** A target holding the user's own files, which --force must keep unless the plan replaces them. */
function userProject(cwd: string): string {
  const t = path.join(cwd, 't');
  mkdirSync(path.join(t, 'notes'), { recursive: true });
  writeFileSync(path.join(t, 'README.md'), 'my readme\n');
  writeFileSync(path.join(t, 'Dockerfile'), 'FROM scratch\n');
  writeFileSync(path.join(t, 'notes', 'todo.txt'), 'mine\n');
  return t;
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

describe('the write path refuses what would write outside the target or lose files', () => {
  it('a folder symlink out of the target is refused, and nothing outside is written', async () => {
    const cwd = scratchDir('cts-hostile-');
    const t = userProject(cwd);
    mkdirSync(path.join(cwd, 'outside'));
    writeFileSync(path.join(cwd, 'outside', 'keep.txt'), 'outside\n');
    symlinkSync('../outside', path.join(t, 'app'));
    const before = picture(cwd);
    const r = await write(['t', '--force'], cwd);
    expectRefused(r, /app.* symbolic link .*outside.*t/);
    expect(picture(cwd)).toEqual(before);
  });

  it('a file symlink out of the target is refused', async () => {
    const cwd = scratchDir('cts-hostile-');
    const t = userProject(cwd);
    writeFileSync(path.join(cwd, 'secret.txt'), 'not yours\n');
    symlinkSync('../secret.txt', path.join(t, 'requirements.txt'));
    const before = picture(cwd);
    const r = await write(['t', '--force'], cwd);
    expectRefused(r, /requirements\.txt.* symbolic link/);
    expect(picture(cwd)).toEqual(before);
  });

  it('a folder symlink that stays inside the target is written through, and nothing lands outside', async () => {
    const cwd = scratchDir('cts-hostile-');
    const t = userProject(cwd);
    mkdirSync(path.join(t, 'src', 'app'), { recursive: true });
    symlinkSync('src/app', path.join(t, 'app'));
    const r = await write(['t', '--force'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(t, 'src', 'app', 'main.py'))).toBe(true);
    expect(Object.keys(picture(cwd)).filter((p) => !p.startsWith('t/') && p !== 't')).toEqual([]);
  });

  it('a file where a planned folder goes fails before anything is replaced', async () => {
    const cwd = scratchDir('cts-hostile-');
    const t = userProject(cwd);
    writeFileSync(path.join(t, 'tests'), 'a file, not a folder\n');
    const before = picture(cwd);
    const r = await write(['t', '--force'], cwd);
    expectRefused(r, /tests.* is a file where the folder tests\/ would go/);
    expect(picture(cwd)).toEqual(before);
  });

  it('a folder where a planned file goes fails before anything is replaced', async () => {
    const cwd = scratchDir('cts-hostile-');
    const t = userProject(cwd);
    mkdirSync(path.join(t, 'requirements.txt'));
    const before = picture(cwd);
    const r = await write(['t', '--force'], cwd);
    expectRefused(r, /requirements\.txt is a directory where the file requirements\.txt would go/);
    expect(picture(cwd)).toEqual(before);
  });

  it.each([
    ['a FIFO where a file goes', 'README.md'],
    ['a FIFO where a folder goes', 'app'],
  ])('%s is refused without being opened', async (_name, where) => {
    const cwd = scratchDir('cts-hostile-');
    const t = userProject(cwd);
    if (where === 'README.md') execFileSync('rm', [path.join(t, where)]);
    execFileSync('mkfifo', [path.join(t, where)]);
    const before = picture(cwd);
    const r = await write(['t', '--force'], cwd);
    expectRefused(r, new RegExp(`${where}.* is a FIFO`));
    expect(picture(cwd)).toEqual(before);
  });

  it('a socket where a file goes is refused', async () => {
    const cwd = scratchDir('cts-hostile-');
    const t = userProject(cwd);
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path.join(t, 'requirements.txt'), resolve));
    const before = picture(cwd);
    const r = await write(['t', '--force'], cwd);
    expectRefused(r, /requirements\.txt.* is a socket/);
    expect(picture(cwd)).toEqual(before);
  });

  it('a dangling symlink as the target: one line, exit 2', async () => {
    const cwd = scratchDir('cts-hostile-');
    symlinkSync('nowhere', path.join(cwd, 't'));
    const before = picture(cwd);
    const r = await write(['t'], cwd);
    expectRefused(r, /t is a symbolic link to .*nowhere.* which does not exist/);
    expect(picture(cwd)).toEqual(before);
  });

  it('a FIFO as the target is refused', async () => {
    const cwd = scratchDir('cts-hostile-');
    execFileSync('mkfifo', [path.join(cwd, 't')]);
    const r = await write(['t', '--force'], cwd);
    expectRefused(r, /t exists and is not a directory/);
  });
});

describe('two runs into the same directory: one wins, the other fails with exit 2, never a merge', () => {
  const race = async (cwd: string) => {
    const [a, b] = await Promise.all([
      write(['t', '--service-name', 'alpha'], cwd),
      write(['t', '--service-name', 'beta'], cwd),
    ]);
    const codes = [a.code, b.code].sort();
    expect(codes, `${a.stderr}\n${b.stderr}`).toEqual([0, 2]);
    const loser = a.code === 2 ? a : b;
    expect(errorLines(loser)).toHaveLength(1);
    // The project is entirely the winner's: every file that names the service names the same one.
    const winner = a.code === 0 ? 'alpha' : 'beta';
    const answers = JSON.parse(readFileSync(path.join(cwd, 't', '.create-traced-service.json'), 'utf8')) as {
      options: { serviceName: string };
    };
    expect(answers.options.serviceName).toBe(winner);
    for (const [file, entry] of Object.entries(picture(path.join(cwd, 't')))) {
      if (entry.type === 'file')
        expect(entry.content.includes(winner === 'alpha' ? 'beta' : 'alpha'), file).toBe(false);
    }
    expect(leftovers(cwd)).toEqual([]);
  };

  it('a new directory', async () => {
    for (let i = 0; i < 4; i++) await race(scratchDir('cts-race-'));
  });

  it('an existing empty directory', async () => {
    for (let i = 0; i < 4; i++) {
      const cwd = scratchDir('cts-race-');
      mkdirSync(path.join(cwd, 't'));
      await race(cwd);
    }
  });
});
