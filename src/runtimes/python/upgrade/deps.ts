/**
 * Moving dependency files to another matched set, surgically (through add-tracing's editors, so every line
 * but the changed pins stays byte-identical). Each change is named: package, old -> new.
 */
import {
  editDependencyText,
  isOtelPackage,
  planDependencies,
  readPyproject,
  readRequirementsFile,
  readSetupCfg,
  type DependencyFile,
} from '../existing/deps.js';
import type { OtelLine, PythonPackage } from '../../../catalog/python-sets.js';
import type { PinChange, Retargeted } from '../../../upgrade/plan.js';

export function isDependencyFile(relPath: string): boolean {
  const base = relPath.split('/').at(-1)!;
  return (
    base === 'pyproject.toml' ||
    base === 'setup.cfg' ||
    /^requirements.*\.txt$/.test(base) ||
    relPath.startsWith('requirements/')
  );
}

export function parseDependencyFile(relPath: string, text: string): DependencyFile[] {
  const base = relPath.split('/').at(-1)!;
  if (base === 'pyproject.toml') return readPyproject(relPath, text);
  if (base === 'setup.cfg') return [readSetupCfg(relPath, text)].filter((f): f is DependencyFile => f !== undefined);
  return [readRequirementsFile(relPath, text)];
}

/** normalized name -> exact version, for every exactly pinned declaration. */
export function declaredPins(relPath: string, text: string): Map<string, string> {
  const pins = new Map<string, string>();
  for (const f of parseDependencyFile(relPath, text))
    for (const r of f.requirements) if (r.exact) pins.set(r.name, r.exact);
  return pins;
}

const bare = (spec: string) => spec.replace(/^==/, '');

function edit(
  relPath: string,
  text: string,
  alignFor: (f: DependencyFile) => Map<string, string>,
  add: (f: DependencyFile) => PythonPackage[] = () => [],
): Retargeted {
  const changes: PinChange[] = [];
  let current = text;
  for (const kind of parseDependencyFile(relPath, text).map((f) => f.kind)) {
    // Parse again before each kind: an earlier edit moved offsets.
    const file = parseDependencyFile(relPath, current).find((f) => f.kind === kind);
    if (!file || file.error) continue;
    const align = alignFor(file);
    const added = add(file);
    if (align.size === 0 && added.length === 0) continue;
    const result = editDependencyText(kind, current, { add: added, align });
    current = result.text;
    for (const a of result.aligned) changes.push({ file: relPath, name: a.name, from: bare(a.from), to: bare(a.to) });
    for (const p of result.added) changes.push({ file: relPath, name: p.name, from: '(none)', to: p.version });
  }
  return { text: current, changes };
}

/**
 * A generated project's file: OpenTelemetry pins always move to the new render's; any other pin moves only
 * where it still holds what the tool wrote (`basePins`), so a version the user chose is kept.
 */
export function retargetGenerated(
  relPath: string,
  text: string,
  basePins: Map<string, string>,
  newPins: Map<string, string>,
): Retargeted {
  const moved = edit(relPath, text, (file) => {
    const align = new Map<string, string>();
    for (const r of file.requirements) {
      const want = newPins.get(r.name);
      if (want === undefined || r.exact === want || r.locked) continue;
      if (isOtelPackage(r.name) || (r.exact !== undefined && r.exact === basePins.get(r.name))) align.set(r.name, want);
    }
    return align;
  });
  return dropUnrendered(relPath, moved, basePins, newPins);
}

/**
 * Removes the pins the tool wrote that the new render no longer declares (opentelemetry-instrumentation-fastapi
 * once FastAPI traces itself), where the line still holds exactly what the tool wrote and nothing else.
 * Done on both sides of the merge, like the pin moves, so a line the user added next to one is no conflict.
 */
function dropUnrendered(
  relPath: string,
  moved: Retargeted,
  basePins: Map<string, string>,
  newPins: Map<string, string>,
): Retargeted {
  const lines = moved.text.split('\n');
  const drop = new Set<number>();
  const changes = [...moved.changes];
  for (const file of parseDependencyFile(relPath, moved.text)) {
    for (const r of file.requirements) {
      const wrote = basePins.get(r.name);
      if (newPins.size === 0 || newPins.has(r.name) || wrote === undefined || r.exact !== wrote || r.locked) continue;
      const rest = (lines[r.line - 1] ?? '').replace(`${r.written}==${wrote}`, '').replace(/#.*$/, '');
      if (!/^[\s"',]*$/.test(rest)) continue;
      drop.add(r.line - 1);
      changes.push({ file: relPath, name: r.name, from: wrote, to: '(none)' });
    }
  }
  if (drop.size === 0) return moved;
  return { text: lines.filter((_, i) => !drop.has(i)).join('\n'), changes };
}

/**
 * An add-tracing'd project's files: the matched set aligned wherever it is declared and missing packages
 * added where the framework is declared, as add-tracing does; the project's other constraints are its own.
 */
export function retargetExisting(
  texts: Map<string, string>,
  wanted: PythonPackage[],
  frameworkDistributions: string[],
  line: OtelLine,
): Map<string, Retargeted> {
  const files = [...texts].flatMap(([p, t]) => parseDependencyFile(p, t));
  const plan = planDependencies(files, wanted, frameworkDistributions, line);
  const out = new Map<string, Retargeted>();
  for (const [p, t] of texts) {
    const align = plan.align.get(p) ?? new Map<string, string>();
    out.set(
      p,
      edit(
        p,
        t,
        () => align,
        (f) => (plan.target && plan.target.path === p && plan.target.kind === f.kind ? plan.add : []),
      ),
    );
  }
  return out;
}
