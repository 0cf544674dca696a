/** Pipenv's Pipfile: the `[packages]` table (PEP 440 constraints, `"*"` for any version). */
import { parse as parseToml } from 'smol-toml';
import { editDependencyTable, tableRequirements } from './poetry.js';
import { exactOf, splitLines } from './text.js';
import { tomlTables } from './toml.js';
import type { DependencyFile, EditRequest, EditResult } from './types.js';

export const PIPFILE = 'Pipfile';

export function readPipfile(relPath: string, text: string): DependencyFile {
  let data: { packages?: Record<string, unknown> };
  try {
    data = parseToml(text) as typeof data;
  } catch (error) {
    return { path: relPath, kind: 'pipfile', requirements: [], includes: [], error: (error as Error).message };
  }
  const lines = splitLines(text);
  const table = tomlTables(lines).find((t) => t.name === 'packages');
  const spec = (written: string) => (written.trim() === '*' ? '' : written.trim());
  const requirements = tableRequirements(data.packages ?? {}, lines, table, spec, exactOf);
  return { path: relPath, kind: 'pipfile', requirements, includes: [] };
}

export function editPipfileText(text: string, request: EditRequest): EditResult {
  return editDependencyTable(text, request, 'packages', (version) => `==${version}`);
}
