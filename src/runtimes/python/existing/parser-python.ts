/**
 * The interpreter that parses a project's code: the newest Python installed on the machine (found the
 * way pyenv and uv find them, src/python-installs.ts), never one inside the project being inspected, so
 * analysis executes nothing from the repository. It only runs templates/add-tracing/analyze.py, in
 * isolated mode from a directory outside the project.
 */
import { installedPythons } from '../installs.js';
import { comparePep440, parseVersion } from '../pep440.js';

export interface ParserPython {
  command: string;
  version: string;
}

const cache = new Map<string, Promise<ParserPython>>();

/** The newest machine interpreter outside `projectRoot`; $CTS_PARSER_PYTHON overrides the search. */
export function parserPython(projectRoot: string): Promise<ParserPython> {
  const key = `${projectRoot}\0${process.env.CTS_PARSER_PYTHON ?? ''}\0${process.env.PATH ?? ''}`;
  if (!cache.has(key)) cache.set(key, find(projectRoot));
  return cache.get(key)!;
}

async function find(root: string): Promise<ParserPython> {
  const forced = process.env.CTS_PARSER_PYTHON;
  const found = await installedPythons(root, forced ? [forced] : undefined);
  const version = (v: string) => parseVersion(v) ?? parseVersion('0')!;
  const newest = found.sort((a, b) => comparePep440(version(b.version), version(a.version)))[0];
  if (newest) return { command: newest.command, version: newest.version };
  throw new Error(
    `no Python interpreter outside the project was found to parse its code (looked in pyenv, uv and PATH${forced ? `, CTS_PARSER_PYTHON=${forced}` : ''}); install Python 3.12 or newer`,
  );
}
