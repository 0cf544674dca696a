/**
 * Which Python a project declares, and which installed interpreter runs it. The declaration comes from
 * `.python-version` (pyenv and uv), PEP 621 `requires-python` (uv, pdm, hatch, setuptools) and Poetry's
 * `python` dependency; the choice is the newest installed interpreter that satisfies all of them.
 */
import { parse as parseToml } from 'smol-toml';
import { parseVersion, satisfies } from '../pep440.js';
import { poetryToPep440 } from './deps.js';

export interface DeclaredPython {
  /** PEP 440 specifier set every declaration agrees on ('' when nothing is declared). */
  spec: string;
  /** `.python-version`'s version prefix (e.g. '3.13' or '3.13.0'), which picks the interpreter. */
  pin?: string;
  /** The lowest 3.N the project says it supports (what dependencies must still install on). */
  lowest?: string;
  /** Where each part came from, for messages: `requires-python = ">=3.9" in pyproject.toml`. */
  sources: string[];
  /** Declarations that could not be read (kept out of `spec`). */
  unreadable: string[];
}

const MAX_MINOR = 20;

/** `.python-version`: the first line that names a CPython version ('3.13', '3.13.0', 'cpython-3.13'). */
export function readPythonVersionFile(text: string): string | undefined {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const m = /^(?:cpython-|python)?(\d+\.\d+(?:\.\d+)?)(?:[-@].*)?$/i.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * The Python of the image a Dockerfile's last stage runs: `FROM python:3.12-slim`, `FROM
 * docker.io/library/python:3.11.9 AS app`, or an image tagged for one (`...:python3.11`).
 */
export function dockerfilePython(text: string): string | undefined {
  let found: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const from = /^\s*FROM\s+(?:--\S+\s+)*(\S+)/i.exec(raw);
    if (!from) continue;
    const image = from[1]!;
    const m =
      /^(?:(?:docker\.io\/)?library\/)?python:(\d+\.\d+)(?:\.\d+)?(?:-\S*)?$/i.exec(image) ??
      /:(?:\S*-)?python(\d+\.\d+)(?:\b|$)/i.exec(image);
    // Every stage counts in order; the last one is what runs.
    found = m ? m[1] : undefined;
  }
  return found;
}

/** The lowest 3.N (or 2.N) a specifier set admits, checked at .0 and at a late patch of each minor. */
export function lowestMinor(spec: string): string | undefined {
  for (const major of [2, 3]) {
    for (let minor = 0; minor <= MAX_MINOR; minor++) {
      const prefix = `${major}.${minor}`;
      if (satisfies(`${prefix}.0`, spec) || satisfies(`${prefix}.99`, spec)) return prefix;
    }
  }
  return undefined;
}

export function readDeclaredPython(files: {
  pythonVersion?: string;
  pyproject?: string;
  dockerfile?: string;
}): DeclaredPython {
  const specs: string[] = [];
  const sources: string[] = [];
  const unreadable: string[] = [];
  let pin: string | undefined;
  if (files.pythonVersion !== undefined) {
    pin = readPythonVersionFile(files.pythonVersion);
    if (pin) sources.push(`${pin} in .python-version`);
    else unreadable.push(`.python-version (${JSON.stringify(files.pythonVersion.trim().slice(0, 40))})`);
  }
  if (files.pyproject !== undefined) {
    let data: {
      project?: { 'requires-python'?: unknown };
      tool?: { poetry?: { dependencies?: { python?: unknown } } };
    } = {};
    try {
      data = parseToml(files.pyproject) as typeof data;
    } catch {
      // the dependency reader reports invalid TOML
    }
    const requires = data.project?.['requires-python'];
    if (typeof requires === 'string') {
      if (isReadable(requires)) {
        specs.push(requires);
        sources.push(`requires-python = "${requires}" in pyproject.toml`);
      } else unreadable.push(`requires-python = "${requires}"`);
    }
    const poetry = data.tool?.poetry?.dependencies?.python;
    if (typeof poetry === 'string') {
      const pep = poetryToPep440(poetry);
      if (pep !== undefined && isReadable(pep)) {
        specs.push(pep);
        sources.push(`python = "${poetry}" in [tool.poetry.dependencies]`);
      } else unreadable.push(`Poetry python = "${poetry}"`);
    }
  }
  // The image the project ships in runs one Python: the smoke test uses it (unless .python-version says
  // otherwise), and the pins must install on it.
  const image = files.dockerfile !== undefined ? dockerfilePython(files.dockerfile) : undefined;
  if (image) {
    sources.push(`python:${image} in Dockerfile`);
    pin ??= image;
  }
  const spec = specs.filter(Boolean).join(',');
  const minorOf = (v: string) => v.split('.').slice(0, 2).join('.');
  const declaredLowest = spec !== '' ? lowestMinor(spec) : pin ? minorOf(pin) : undefined;
  const lowest = image && declaredLowest && compareMinor(image, declaredLowest) < 0 ? image : declaredLowest;
  return { spec, ...(pin ? { pin } : {}), ...(lowest ? { lowest } : {}), sources, unreadable };
}

function compareMinor(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am! - bm! || an! - bn!;
}

function isReadable(spec: string): boolean {
  try {
    satisfies('3.0', spec);
    return true;
  } catch {
    return false;
  }
}

export interface Interpreter {
  command: string;
  version: string;
  /** Where it was found: 'PATH', 'pyenv', 'uv', '$CTS_PYTHON'. */
  via: string;
}

/** True when an installed interpreter fits the declaration (the pin, when there is one, decides). */
export function fits(declared: Pick<DeclaredPython, 'spec' | 'pin'>, version: string): boolean {
  if (declared.pin && !`${version}.`.startsWith(`${declared.pin}.`)) return false;
  return satisfies(version, declared.spec);
}

/**
 * The newest interpreter that fits, or undefined; with `newest` (the newest Python the project's framework
 * release runs on), the newest fitting one up to it when there is one.
 */
export function chooseInterpreter(
  declared: Pick<DeclaredPython, 'spec' | 'pin'>,
  installed: Interpreter[],
  minimum?: string,
  newest?: string,
): Interpreter | undefined {
  const usable = installed
    .filter((i) => fits(declared, i.version) && (!minimum || satisfies(i.version, `>=${minimum}`)))
    .sort((a, b) => compareText(b.version, a.version));
  const within = newest ? usable.find((i) => satisfies(i.version, `<${newest}.999`)) : undefined;
  return within ?? usable[0];
}

function compareText(a: string, b: string): number {
  const va = parseVersion(a)?.release ?? [];
  const vb = parseVersion(b)?.release ?? [];
  for (let i = 0; i < Math.max(va.length, vb.length); i++)
    if ((va[i] ?? 0) !== (vb[i] ?? 0)) return (va[i] ?? 0) - (vb[i] ?? 0);
  return 0;
}

/** The version to ask for when nothing installed fits: the pin, else the lowest minor the spec admits from 3.9 on. */
export function neededVersion(declared: Pick<DeclaredPython, 'spec' | 'pin'>, minimum?: string): string {
  if (declared.pin) return declared.pin.split('.').slice(0, 2).join('.');
  const floor = minimum ? Number(minimum.split('.')[1]) : 0;
  for (let minor = MAX_MINOR; minor >= Math.max(floor, 9); minor--) {
    if (satisfies(`3.${minor}.0`, declared.spec)) {
      // The newest minor that exists today is the useful suggestion, not 3.20.
      if (minor <= 13) return `3.${minor}`;
    }
  }
  return lowestMinor(declared.spec) ?? '3.13';
}

/** One line: which Python is needed and how to install it (exit 2 material). */
export function missingPythonMessage(declared: DeclaredPython, installed: Interpreter[], minimum?: string): string {
  const want = neededVersion(declared, minimum);
  const found = installed.length ? installed.map((i) => i.version).join(', ') : 'none';
  const why = declared.sources.length ? declared.sources.join(', ') : 'no declaration';
  const otel = minimum ? `; OpenTelemetry needs >= ${minimum}` : '';
  return (
    `the project needs Python ${want} (${why}${otel}) and it is not installed (found: ${found}); ` +
    `install it with \`pyenv install ${want}\` or \`uv python install ${want}\`, or point CTS_PYTHON at one — nothing was changed`
  );
}
