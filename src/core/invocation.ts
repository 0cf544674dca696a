/** How the user started this CLI, so that printed commands run it the same way. */
import path from 'node:path';
import { shellWord } from './escape.js';

/**
 * The command that runs this CLI again from `dir`: `npx create-traced-service` when it was installed
 * as a package (by npx, npm create or npm install), else `node <path of the script, relative to dir>`
 * for a clone of the repository.
 */
export function cliCommand(dir: string, script = process.argv[1]): string {
  if (!script || /[\\/](?:node_modules|_npx)[\\/]/.test(script)) return 'npx create-traced-service';
  const relative = path.relative(dir, path.resolve(script));
  const shown = relative.split(path.sep).filter((s) => s === '..').length > 2 ? path.resolve(script) : relative;
  return `node ${shellWord(shown)}`;
}
