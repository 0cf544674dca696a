/**
 * The project's own formatters and import sorters (ruff, black, isort), run on the Python files
 * add-tracing wrote and on nothing else, then their check mode, so a gate the project runs in CI or its
 * Dockerfile still passes. Runs only after the user agreed to the writes.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { parse as parseToml } from 'smol-toml';
import type { Ui } from '../../../core/ui.js';
import { readTextIfExists } from '../../../core/read-file.js';

export type Formatter = 'isort' | 'black' | 'ruff-isort' | 'ruff-format';

/** Which formatters the project configures, from pyproject.toml, ruff.toml, setup.cfg/.isort.cfg and pre-commit. */
export function configuredFormatters(files: Record<string, string | undefined>): Formatter[] {
  const found = new Set<Formatter>();
  let tool: Record<string, unknown> = {};
  try {
    tool =
      ((files['pyproject.toml'] ? parseToml(files['pyproject.toml']) : {}) as { tool?: Record<string, unknown> })
        .tool ?? {};
  } catch {
    // invalid TOML is reported elsewhere
  }
  const preCommit = files['.pre-commit-config.yaml'] ?? '';
  const hook = (id: string) => new RegExp(`^\\s*-?\\s*id:\\s*${id}\\s*$`, 'm').test(preCommit);
  const ruffConfig = tool.ruff as
    | { lint?: { select?: unknown; 'extend-select'?: unknown }; select?: unknown }
    | undefined;
  const ruffToml = files['ruff.toml'] ?? files['.ruff.toml'];
  const selectsImports = (text: string) => /["']I["']|["']I001["']/.test(text);
  if (
    tool.isort !== undefined ||
    files['.isort.cfg'] !== undefined ||
    /^\[isort\]/m.test(files['setup.cfg'] ?? '') ||
    hook('isort')
  )
    found.add('isort');
  if (tool.black !== undefined || hook('black')) found.add('black');
  const ruffSelect = JSON.stringify(ruffConfig ?? {}) + (ruffToml ?? '');
  if ((ruffConfig !== undefined || ruffToml !== undefined || hook('ruff')) && selectsImports(ruffSelect))
    found.add('ruff-isort');
  if (
    (ruffConfig as { format?: unknown } | undefined)?.format !== undefined ||
    /^\[format\]/m.test(ruffToml ?? '') ||
    hook('ruff-format')
  )
    found.add('ruff-format');
  // Import sorting before formatting, as pre-commit orders them.
  return (['ruff-isort', 'isort', 'ruff-format', 'black'] as Formatter[]).filter((f) => found.has(f));
}

const BINARY: Record<Formatter, string> = {
  isort: 'isort',
  black: 'black',
  'ruff-isort': 'ruff',
  'ruff-format': 'ruff',
};

export function formatCommand(f: Formatter, files: string[]): { fix: string[]; check: string[] } {
  switch (f) {
    case 'isort':
      return { fix: ['isort', '--quiet', ...files], check: ['isort', '--check-only', '--quiet', ...files] };
    case 'black':
      return { fix: ['black', '--quiet', ...files], check: ['black', '--check', '--quiet', ...files] };
    case 'ruff-isort':
      return {
        fix: ['ruff', 'check', '--select', 'I', '--fix', '--quiet', ...files],
        check: ['ruff', 'check', '--select', 'I', '--quiet', ...files],
      };
    case 'ruff-format':
      return {
        fix: ['ruff', 'format', '--quiet', ...files],
        check: ['ruff', 'format', '--check', '--quiet', ...files],
      };
  }
}

/** The formatter's executable: on PATH, else in the project's venv (the user agreed to run its tools). */
function binaryFor(root: string, name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  const own = path.join(root, '.venv', 'bin', name);
  return existsSync(own) ? own : undefined;
}

export interface FormatResult {
  formatter: Formatter;
  outcome: 'passed' | 'failed' | 'missing';
  command: string;
  detail?: string;
}

export async function formatWritten(
  root: string,
  files: Record<string, string | undefined>,
  written: string[],
): Promise<FormatResult[]> {
  const py = written.filter((p) => p.endsWith('.py'));
  if (py.length === 0) return [];
  const results: FormatResult[] = [];
  const runnable: { f: Formatter; bin: string }[] = [];
  for (const f of configuredFormatters(files)) {
    const bin = binaryFor(root, BINARY[f]);
    if (bin) runnable.push({ f, bin });
    else
      results.push({
        formatter: f,
        outcome: 'missing',
        command: formatCommand(f, py).fix.join(' '),
        detail: `${BINARY[f]} is not installed`,
      });
  }
  // Every fixer first, then every check: a later formatter can undo what an earlier one settled
  // (black re-wrapping a line isort placed), and the gates run on the final text, as CI would.
  for (const { f, bin } of runnable)
    await execa(bin, formatCommand(f, py).fix.slice(1), { cwd: root, reject: false, timeout: 120_000 });
  for (const { f, bin } of runnable) {
    const argv = formatCommand(f, py).check;
    const check = await execa(bin, argv.slice(1), { cwd: root, reject: false, all: true, timeout: 120_000 });
    results.push({
      formatter: f,
      outcome: check.exitCode === 0 ? 'passed' : 'failed',
      command: argv.join(' '),
      ...(check.exitCode === 0
        ? {}
        : {
            detail: String(check.all ?? '')
              .trim()
              .split('\n')
              .slice(-5)
              .join('\n'),
          }),
    });
  }
  const order = configuredFormatters(files);
  return results.sort((a, b) => order.indexOf(a.formatter) - order.indexOf(b.formatter));
}

async function readIf(file: string): Promise<string | undefined> {
  return readTextIfExists(file);
}

/** The formatting step of add-tracing, with its report; returns false when a configured gate still fails. */
export async function formatStep(
  root: string,
  written: string[],
  ui: Ui,
): Promise<{ ok: boolean; results: FormatResult[] }> {
  const names = ['pyproject.toml', 'ruff.toml', '.ruff.toml', 'setup.cfg', '.isort.cfg', '.pre-commit-config.yaml'];
  const files = Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, await readIf(path.join(root, n))] as const)),
  );
  if (configuredFormatters(files).length === 0) return { ok: true, results: [] };
  const results = await ui.step(
    "Formatting the written files with the project's formatters",
    () => formatWritten(root, files, written),
    (r) => r.some((x) => x.outcome === 'failed'),
  );
  for (const r of results) {
    if (r.outcome === 'passed') ui.success(`${r.command}: passes`);
    else if (r.outcome === 'missing')
      ui.warn(`the project configures ${r.formatter} but ${r.detail}: run \`${r.command}\` before committing`);
    else ui.block(`\`${r.command}\` still fails:\n${r.detail ?? ''}`);
  }
  return { ok: !results.some((r) => r.outcome === 'failed'), results };
}
