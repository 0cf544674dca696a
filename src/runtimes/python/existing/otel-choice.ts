/**
 * Which matched OpenTelemetry set an existing project gets: the newest line that installs on the lowest
 * Python the project declares and whose instrumentation accepts the framework version the project pins
 * or locks, so that adding tracing never moves the user's framework or Python.
 */
import { parse as parseToml } from 'smol-toml';
import { satisfies, specifierFloor } from '../pep440.js';
import { FRAMEWORK_NEEDS_API, LINE_COMPAT, OTEL_LINES, type OtelLineName } from '../../../catalog/python-sets.js';
import { normalizeName, poetryToPep440, type DependencyFile } from './deps.js';

export const LOCK_FILES = ['uv.lock', 'poetry.lock', 'pdm.lock'] as const;

export interface Pinned {
  name: string;
  version: string;
  /** 'uv.lock', or 'requirements.txt:3'. */
  source: string;
  /** A range's lowest admitted version rather than a pin or lock: every version it allows is at least this. */
  floor?: boolean;
  /** With `floor`: the whole range (PEP 440), whose upper bound may keep the current release out. */
  spec?: string;
}

/** name -> version of every package in a uv/Poetry/PDM lock file (all three use `[[package]]` tables). */
export function lockedVersions(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let data: { package?: { name?: unknown; version?: unknown }[] };
  try {
    data = parseToml(text) as typeof data;
  } catch {
    return out;
  }
  for (const p of data.package ?? []) {
    if (typeof p.name === 'string' && typeof p.version === 'string') out.set(normalizeName(p.name), p.version);
  }
  return out;
}

/** The versions the project fixes for `names`: a lock file wins over an exact pin in a dependency file. */
export function pinnedVersions(
  names: string[],
  deps: DependencyFile[],
  locks: { path: string; text: string }[],
): Pinned[] {
  const out: Pinned[] = [];
  for (const raw of names) {
    const name = normalizeName(raw);
    const lock = locks.map((l) => ({ path: l.path, version: lockedVersions(l.text).get(name) })).find((l) => l.version);
    if (lock) {
      out.push({ name, version: lock.version!, source: lock.path });
      continue;
    }
    const exact = deps.flatMap((f) =>
      f.requirements.filter((q) => q.name === name && q.exact).map((r) => ({ f, r })),
    )[0];
    if (exact) {
      out.push({ name, version: exact.r.exact!, source: `${exact.f.path}:${exact.r.line}` });
      continue;
    }
    for (const f of deps) {
      const r = f.requirements.find((q) => q.name === name && q.spec);
      const spec = r ? (f.kind === 'poetry' ? poetryToPep440(r.spec) : r.spec) : undefined;
      const floor = spec ? specifierFloor(spec) : undefined;
      if (r && floor) {
        out.push({
          name,
          version: floor,
          source: `${f.path}:${r.line} (${r.spec})`,
          floor: true,
          ...(spec ? { spec } : {}),
        });
        break;
      }
    }
  }
  return out;
}

export interface LineChoice {
  line: OtelLineName;
  /** Why this line, in one sentence. */
  reason: string;
}

/** Why `line` cannot be used, or undefined when it can. */
export function lineProblem(
  line: OtelLineName,
  framework: string,
  lowestPython: string | undefined,
  pins: Pinned[],
): string | undefined {
  const compat = LINE_COMPAT[line];
  if (lowestPython && !satisfies(`${lowestPython}.0`, `>=${compat.python}`))
    return `it needs Python >= ${compat.python} and the project supports ${lowestPython}`;
  const range = compat.instruments[framework];
  const own = pins.find((p) => p.name === normalizeName(framework) && !p.floor);
  if (own && range && !satisfies(own.version, range)) {
    const has = `${framework} ${own.version} (${own.source})`;
    return `its ${framework} instrumentation accepts ${framework}${range}, and the project has ${has}`;
  }
  const sdk = OTEL_LINES[line].sdk;
  for (const need of FRAMEWORK_NEEDS_API) {
    const pin = pins.find((p) => p.name === need.name);
    if (pin && satisfies(pin.version, `>=${need.from}`) && !satisfies(sdk, `>=${need.api}`)) {
      const version = pin.floor ? `>= ${pin.version}` : pin.version;
      return `${need.name} ${version} (${pin.source}) requires opentelemetry-api >= ${need.api}`;
    }
  }
  return undefined;
}

/**
 * The line to use. `requested` (from --otel-version, a config or the previous run) is checked and
 * kept; otherwise the newest line without a problem is chosen. Throws a one-line message when none fits.
 */
export function chooseLine(options: {
  framework: string;
  lowestPython?: string;
  /** Where the project declares its Python, for the refusal (`python:3.8 in Dockerfile`). */
  pythonSources?: string[];
  pins: Pinned[];
  requested?: OtelLineName;
}): LineChoice {
  const { framework, lowestPython, pins, requested } = options;
  const facts = [
    lowestPython ? `lowest declared Python ${lowestPython}` : '',
    ...pins
      .filter((p) => p.name === normalizeName(framework) || FRAMEWORK_NEEDS_API.some((n) => n.name === p.name))
      .map((p) => `${p.name} ${p.floor ? '>= ' : ''}${p.version} in ${p.source}`),
  ].filter(Boolean);
  const because = facts.length ? ` (${[...new Set(facts)].join(', ')})` : '';
  if (requested) {
    const problem = lineProblem(requested, framework, lowestPython, pins);
    if (problem)
      throw new Error(
        `OpenTelemetry ${requested} does not fit this project: ${problem}; ` +
          'pass another --otel-version or drop it to let add-tracing choose',
      );
    return { line: requested, reason: `OpenTelemetry ${requested} as configured${because}` };
  }
  const names = (Object.keys(OTEL_LINES) as OtelLineName[]).sort(
    (a, b) => Number(b.split('.')[1]) - Number(a.split('.')[1]),
  );
  const rejected: string[] = [];
  for (const name of names) {
    const problem = lineProblem(name, framework, lowestPython, pins);
    if (!problem) {
      const newest = names[0]!;
      const note = name === newest ? 'the newest matched set' : `the newest matched set that fits; ${rejected[0]}`;
      return {
        line: name,
        reason: `OpenTelemetry ${name} (${OTEL_LINES[name].sdk} / ${OTEL_LINES[name].contrib}): ${note}${because}`,
      };
    }
    rejected.push(`${name} does not: ${problem}`);
  }
  const declared = options.pythonSources?.length ? ` (${options.pythonSources.join(', ')})` : '';
  throw new Error(
    `no supported OpenTelemetry set fits this project: ${rejected.join('; ')} — ` +
      `raise the project's lowest Python${declared} or its ${framework} version; nothing was changed`,
  );
}
