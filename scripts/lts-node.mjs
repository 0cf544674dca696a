#!/usr/bin/env node
/**
 * The current LTS Node, installed from the npm registry as a package (node-<platform>-<arch>) into the
 * user's cache once, for what must run on it: the generated Node services in the tests, and CI's second
 * unit run. Prints the node binary's path. One place for CI (.ci/run) and the test setup (test/setup/tools.ts).
 *   node scripts/lts-node.mjs [major]
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const LTS_MAJOR = 24;

/** Where the CLI caches its tools (the same rule as src/runtimes/python/installer.ts cacheDir()). */
export function cacheDir() {
  if (process.env.CTS_CACHE_DIR) return path.resolve(process.env.CTS_CACHE_DIR);
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'create-traced-service');
}

function version(bin) {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** The cached node binary of `major`, installed first if absent (npm prints its progress to stderr). */
export function ensureLtsNode(major = LTS_MAJOR) {
  const prefix = path.join(cacheDir(), `node-${major}`);
  const pkg = `node-${process.platform}-${process.arch}`;
  const bin = path.join(prefix, 'node_modules', pkg, 'bin', 'node');
  if (version(bin).startsWith(`v${major}.`)) return bin;
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', prefix, `${pkg}@${major}`], {
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (!version(bin).startsWith(`v${major}.`))
    throw new Error(`${pkg}@${major} did not install a working node at ${bin}`);
  return bin;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${ensureLtsNode(Number(process.argv[2] ?? LTS_MAJOR))}\n`);
}
