/**
 * The Python a project runs on, as far as its files say: the lowest version it declares (the same reading
 * add-tracing makes: .python-version, requires-python, Poetry's python), else its .venv's pyvenv.cfg.
 * Nothing is run.
 */
import { readText } from '../../../core/read-file.js';
import path from 'node:path';
import { declaredPython } from '../existing/environment.js';
import { readDeclaredPython, type DeclaredPython } from '../existing/project-python.js';

/** "3.11": the declaration's pin or lowest 3.N, else the version pyvenv.cfg records. */
export function pythonOf(declared: DeclaredPython, pyvenv?: string): string | undefined {
  const pinned = declared.pin && /^\d+\.\d+/.exec(declared.pin)?.[0];
  const lowest = declared.lowest ?? pinned;
  if (lowest) return lowest;
  const venv = pyvenv && /^\s*version(?:_info)?\s*=\s*(\d+\.\d+)/m.exec(pyvenv);
  return venv ? venv[1] : undefined;
}

/** The same from file texts, for tests and callers that have them already. */
export function pythonFromTexts(texts: {
  pyproject?: string;
  pythonVersion?: string;
  pyvenv?: string;
}): string | undefined {
  const { pyvenv, ...declaration } = texts;
  return pythonOf(readDeclaredPython(declaration), pyvenv);
}

export async function projectPython(root: string): Promise<string | undefined> {
  let pyvenv: string | undefined;
  try {
    pyvenv = await readText(path.join(root, '.venv', 'pyvenv.cfg'));
  } catch {
    pyvenv = undefined;
  }
  return pythonOf(await declaredPython(root), pyvenv);
}
