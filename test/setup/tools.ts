/**
 * What the network tier needs besides Node and Python, obtained once into the user's cache (the same
 * place the CLI keeps its private uv, outside node_modules so `npm ci` keeps it): uv, put on PATH for
 * the tests and the CLI runs they start.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ensurePrivateUv } from '../../src/installer.js';

function onPath(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export default async function setup(): Promise<void> {
  if (onPath('uv')) return;
  const uv = await ensurePrivateUv(process.env.CTS_PYTHON ?? 'python3', (line) => process.stderr.write(`${line}\n`));
  process.env.PATH = `${path.dirname(uv)}${path.delimiter}${process.env.PATH ?? ''}`;
}
