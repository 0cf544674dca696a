/**
 * What the network tier needs besides Node and Python, obtained once into the user's cache (the same
 * place the CLI keeps its private uv, outside node_modules so `npm ci` keeps it): uv, put on PATH for
 * the tests and the CLI runs they start, and the project tools real repositories use (Poetry, black,
 * isort, ruff), each in its own venv, named to the tests through CTS_TEST_POETRY_BIN and
 * CTS_TEST_FORMATTERS_BIN; and the current LTS Node that runs the generated Node services, named to the
 * CLI through CTS_NODE (scripts/lts-node.mjs, which CI uses too); and Debian's Chromium for the live view's
 * browser tests, installed with apt-get when it is missing and the suite runs as root (CHROMIUM_PATH names
 * another; without either the browser tests fail, saying how to get one).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cacheDir, ensurePrivateUv } from '../../src/runtimes/python/installer.js';

/** Pinned so a new release of a tool cannot change what the suite checks. */
const TOOLS = {
  poetry: { packages: ['poetry==2.5.1'], bins: ['poetry'], env: 'CTS_TEST_POETRY_BIN' },
  formatters: {
    packages: ['black==26.10.1', 'isort==9.0.2', 'ruff==0.17.6'],
    bins: ['black', 'isort', 'ruff'],
    env: 'CTS_TEST_FORMATTERS_BIN',
  },
} as const;

function onPath(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A venv with `packages`, built in its final place (console scripts record their interpreter's absolute
 * path, so it cannot be moved) and marked complete last, so a half-built one is rebuilt, never used.
 */
function ensureToolVenv(uv: string, name: string, packages: readonly string[], bins: readonly string[]): string {
  const venv = path.join(
    cacheDir(),
    'test-tools',
    `${name}-${createHash('sha256').update(packages.join(' ')).digest('hex').slice(0, 12)}`,
  );
  const bin = path.join(venv, 'bin');
  const complete = path.join(venv, '.complete');
  if (existsSync(complete) && bins.every((b) => existsSync(path.join(bin, b)))) return bin;
  rmSync(venv, { recursive: true, force: true });
  const python = process.env.CTS_PYTHON ?? 'python3';
  execFileSync(uv, ['venv', '--quiet', '--python', python, venv], { stdio: 'inherit' });
  execFileSync(uv, ['pip', 'install', '--quiet', '--python', path.join(bin, 'python'), ...packages], {
    stdio: 'inherit',
  });
  writeFileSync(complete, `${packages.join('\n')}\n`);
  return bin;
}

/** Debian's Chromium, installed once when missing and apt-get can (root): the browser tests drive it. */
function ensureChromium(): void {
  if (process.env.CHROMIUM_PATH || existsSync('/usr/bin/chromium')) return;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) return;
  process.stderr.write('installing Chromium for the browser tests (apt-get install chromium)\n');
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

export default async function setup(): Promise<void> {
  ensureChromium();
  let uv = 'uv';
  if (!onPath('uv')) {
    uv = await ensurePrivateUv(process.env.CTS_PYTHON ?? 'python3', (line) => process.stderr.write(`${line}\n`));
    // Only uv goes on PATH: the folder it lives in is a venv's bin, whose python3 would shadow the machine's.
    const onlyUv = path.join(cacheDir(), 'test-tools', 'uv-bin');
    mkdirSync(onlyUv, { recursive: true });
    const link = path.join(onlyUv, `uv.${process.pid}`);
    symlinkSync(uv, link);
    renameSync(link, path.join(onlyUv, 'uv'));
    process.env.PATH = `${onlyUv}${path.delimiter}${process.env.PATH ?? ''}`;
  }
  if (!process.env.CTS_NODE) {
    const script = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'scripts', 'lts-node.mjs');
    process.env.CTS_NODE = execFileSync(process.execPath, [script], { encoding: 'utf8' }).trim();
  }
  for (const [name, tool] of Object.entries(TOOLS)) {
    if (process.env[tool.env]) continue;
    // A venv's console scripts point at the venv's own interpreter, so they run from anywhere.
    process.env[tool.env] = ensureToolVenv(uv, name, tool.packages, tool.bins);
  }
}
