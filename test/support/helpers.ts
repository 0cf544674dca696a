/** Shared test helpers: spawn the built CLI as a user would, and make scratch directories. */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(REPO_ROOT, 'bin', 'create-traced-service.js');

export function scratchDir(prefix = 'cts-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A scratch project holding `files` (relative path -> content). */
export function scratchProject(files: Record<string, string>, prefix = 'cts-project-'): string {
  const dir = scratchDir(prefix);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with no TTY (stdin closed), like CI does. */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI timed out: ${args.join(' ')}\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Every file below `dir`, as sorted POSIX paths; `.venv` and caches are left out. */
export function listTree(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, rel))) {
    if (['.venv', '__pycache__', '.pytest_cache'].includes(name)) continue;
    const child = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(dir, child)).isDirectory()) out.push(...listTree(dir, child));
    else out.push(child);
  }
  return out.sort();
}

/**
 * Runs the CLI in a pseudo-terminal (util-linux `script`), as a person at a keyboard would: each key is
 * sent once new output appeared and then stayed quiet (a prompt is waiting).
 */
export function runInTty(
  args: string[],
  keys: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    // A pty has no size by default, and prompts wrap at its width: give it a real terminal's.
    const child = spawn('script', ['-qec', `stty cols 160 rows 50; ${command}`, '/dev/null'], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env, CI: '', NO_COLOR: '1', TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    const pending = [...keys];
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
