/** The Python a project runs on, as far as its files say: requires-python, .python-version, or its .venv. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

async function read(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** "3.11" from a `>=3.11`-style lower bound, a `.python-version` line or pyvenv.cfg's version. */
export function pythonFromTexts(texts: {
  pyproject?: string;
  pythonVersion?: string;
  pyvenv?: string;
}): string | undefined {
  const bound =
    texts.pyproject && /^\s*requires-python\s*=\s*["'][^"']*?(?:>=|~=|==)\s*(\d+\.\d+)/m.exec(texts.pyproject);
  if (bound) return bound[1];
  const poetry = texts.pyproject && /^\s*python\s*=\s*["'][^"'\d]*(\d+\.\d+)/m.exec(texts.pyproject);
  if (poetry) return poetry[1];
  const pinned = texts.pythonVersion && /^\s*(\d+\.\d+)/.exec(texts.pythonVersion);
  if (pinned) return pinned[1];
  const venv = texts.pyvenv && /^\s*version(?:_info)?\s*=\s*(\d+\.\d+)/m.exec(texts.pyvenv);
  return venv ? venv[1] : undefined;
}

export async function projectPython(root: string): Promise<string | undefined> {
  return pythonFromTexts({
    pyproject: await read(path.join(root, 'pyproject.toml')),
    pythonVersion: await read(path.join(root, '.python-version')),
    pyvenv: await read(path.join(root, '.venv', 'pyvenv.cfg')),
  });
}
