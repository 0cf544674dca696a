/** What to add and what to align, across every dependency file of a project. */
import { contribLineFor, corePackages, type OtelLine, type PythonPackage } from '../../../../catalog/python-sets.js';
import { editPep621Text } from './pep621.js';
import { editPipfileText } from './pipfile.js';
import { editPoetryText } from './poetry.js';
import { editRequirementsText } from './requirements.js';
import { editSetupCfgText } from './setup-cfg.js';
import { normalizeName } from './text.js';
import type { DependencyFile, DependencyFileKind, EditRequest, EditResult } from './types.js';

/** OpenTelemetry distributions versioned with the API/SDK (1.N.p). */
const SDK_TRAIN = /^opentelemetry-(api|sdk|proto|exporter-otlp(-proto-(grpc|http|common))?|propagator-(b3|jaeger))$/;
/** Distributions versioned with the contrib instrumentations (0.(N+21)bP). */
const CONTRIB_TRAIN = /^opentelemetry-(instrumentation(-[a-z0-9-]+)?|semantic-conventions|distro|util-http)$/;

export function isOtelPackage(name: string): boolean {
  return SDK_TRAIN.test(name) || CONTRIB_TRAIN.test(name);
}

/** The version a declared OpenTelemetry distribution must have on `line`, or undefined if it is not in a train we know. */
export function matchedVersion(name: string, line: OtelLine): string | undefined {
  if (SDK_TRAIN.test(name)) return line.sdk;
  if (CONTRIB_TRAIN.test(name)) return line.contrib;
  return undefined;
}

export interface DependencyPlan {
  /** File that receives missing packages; undefined means create requirements.txt. */
  target?: DependencyFile;
  add: PythonPackage[];
  /** Per file: normalized name -> exact version. */
  align: Map<string, Map<string, string>>;
}

export function editDependencyText(kind: DependencyFileKind, text: string, request: EditRequest): EditResult {
  switch (kind) {
    case 'requirements':
      return editRequirementsText(text, request);
    case 'pep621':
      return editPep621Text(text, request);
    case 'poetry':
      return editPoetryText(text, request);
    case 'setup.cfg':
      return editSetupCfgText(text, request);
    case 'pipfile':
      return editPipfileText(text, request);
  }
}

const KIND_PRIORITY: Record<DependencyFileKind, number> = {
  pep621: 0,
  poetry: 1,
  pipfile: 2,
  'setup.cfg': 3,
  requirements: 4,
};

function requirementsRank(p: string): number {
  if (p === 'requirements.txt') return 0;
  if (/(^|\/)(dev|test|tests|lint|docs)[^/]*\.txt$|-(dev|test|tests|lint|docs)\.txt$/.test(p)) return 3;
  if (!p.includes('/')) return 1;
  return 2;
}

export function orderedFiles(files: DependencyFile[]): DependencyFile[] {
  return [...files]
    .filter((f) => !f.error)
    .sort(
      (a, b) =>
        KIND_PRIORITY[a.kind] - KIND_PRIORITY[b.kind] ||
        requirementsRank(a.path) - requirementsRank(b.path) ||
        a.path.localeCompare(b.path),
    );
}

/**
 * Where the matched set goes: OpenTelemetry packages are added where the framework is declared (or the
 * project's main dependency file) and aligned wherever they are declared; the framework and its server
 * are added only when the project does not declare them at all (its own constraints are kept).
 */
export function planDependencies(
  files: DependencyFile[],
  wanted: PythonPackage[],
  frameworkDistributions: string[],
  line: OtelLine,
): DependencyPlan {
  const usable = orderedFiles(files);
  const declaredAnywhere = new Set(usable.flatMap((f) => f.requirements.map((r) => r.name)));
  const frameworkNames = new Set(frameworkDistributions.map(normalizeName));
  const target = usable.find((f) => f.requirements.some((r) => frameworkNames.has(r.name))) ?? usable[0];
  const add = wanted.filter((p) => !declaredAnywhere.has(normalizeName(p.name)));
  const align = new Map<string, Map<string, string>>();
  const wantedOtel = new Map(
    wanted.filter((p) => isOtelPackage(normalizeName(p.name))).map((p) => [normalizeName(p.name), p.version]),
  );
  for (const file of usable) {
    const m = new Map<string, string>();
    for (const r of file.requirements) {
      if (!isOtelPackage(r.name)) continue;
      const version = wantedOtel.get(r.name) ?? matchedVersion(r.name, line);
      if (version && r.exact !== version) m.set(r.name, version);
    }
    if (m.size > 0) align.set(file.path, m);
  }
  return { ...(target ? { target } : {}), add, align };
}

/** Declared OpenTelemetry versions that do not belong together (the guide's "mismatched versions"). */
export function mismatchedOtelVersions(files: DependencyFile[]): { detail: string; file: string; line: number }[] {
  const declared = files.flatMap((f) =>
    f.requirements.filter((r) => isOtelPackage(r.name)).map((r) => ({ ...r, file: f.path })),
  );
  const sdkTrain = declared.filter((r) => SDK_TRAIN.test(r.name) && r.exact);
  const contribTrain = declared.filter((r) => CONTRIB_TRAIN.test(r.name) && r.exact);
  const problems: { detail: string; file: string; line: number }[] = [];
  const reference =
    sdkTrain.find((r) => r.name === 'opentelemetry-sdk') ??
    sdkTrain.find((r) => r.name === 'opentelemetry-api') ??
    sdkTrain[0];
  if (!reference) return problems;
  const refMinor = reference.exact!.split('.').slice(0, 2).join('.');
  for (const r of sdkTrain) {
    if (r.exact!.split('.').slice(0, 2).join('.') !== refMinor) {
      problems.push({
        detail: `${r.written}==${r.exact} is not on the ${reference.written} ${refMinor} line`,
        file: r.file,
        line: r.line,
      });
    }
  }
  const contribLine = contribLineFor(reference.exact!);
  for (const r of contribTrain) {
    if (!r.exact!.startsWith(`${contribLine}b`)) {
      problems.push({
        detail: `${r.written}==${r.exact} was not released with ${reference.written}==${reference.exact} (that is ${contribLine}bN)`,
        file: r.file,
        line: r.line,
      });
    }
  }
  return problems;
}

/** The matched set for a line: core packages for the exporter plus the framework's. */
export function matchedSet(
  line: OtelLine,
  exporter: 'otlp-grpc' | 'otlp-http' | 'console',
  frameworkPackages: PythonPackage[],
): PythonPackage[] {
  return [...corePackages(line, exporter), ...frameworkPackages];
}
