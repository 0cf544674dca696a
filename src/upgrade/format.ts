/** The upgrade's plan as text: versions, pin changes, what happens to each file, conflicts last. */
import pc from 'picocolors';
import type { FileAction, FilePlan } from './plan.js';

export interface VersionMove {
  fromLine: string;
  toLine: string;
  fromSet: { sdk: string; contrib: string };
  toSet: { sdk: string; contrib: string };
  /** Why the target line was chosen (e.g. the project's Python). */
  why: string;
}

const LABEL: Record<FileAction, string> = {
  unchanged: 'unchanged',
  create: 'create',
  replace: 'replace',
  merge: 'merge',
  conflict: 'CONFLICT',
  deleted: 'deleted',
  kept: 'kept',
  pins: 'pins',
};

const DETAIL: Record<FileAction, string> = {
  unchanged: '',
  create: 'new in this version',
  replace: 'not edited by you: replaced by the new render',
  merge: 'edited by you: your edits merged with the new render',
  conflict: 'edited by you where the template changed too',
  deleted: '',
  kept: '',
  pins: 'your file: only the OpenTelemetry pins moved',
};

export function formatVersions(v: VersionMove, color: boolean): string {
  const c = color ? pc : pc.createColors(false);
  if (v.fromLine === v.toLine)
    return `OpenTelemetry ${v.toLine} (SDK ${v.toSet.sdk}, contrib ${v.toSet.contrib}): ${v.why}`;
  const sets = `SDK ${v.fromSet.sdk} → ${v.toSet.sdk}, contrib ${v.fromSet.contrib} → ${v.toSet.contrib}`;
  return `OpenTelemetry ${v.fromLine} → ${c.bold(v.toLine)} (${sets}): ${v.why}`;
}

/** The signals the project exports, when an upgrade changes them (only ever on request: --signals). */
export function formatSignals(from: readonly string[], to: readonly string[]): string | undefined {
  if (from.join(',') === to.join(',')) return undefined;
  return `signals ${from.join(', ')} → ${to.join(', ')} (--signals)`;
}

export function formatPlan(plans: FilePlan[], options: { color: boolean; dryRun: boolean; record?: string }): string {
  const c = options.color ? pc : pc.createColors(false);
  const lines: string[] = [];
  const pins = plans.flatMap((p) => p.pins);
  if (pins.length > 0) {
    lines.push(c.bold(options.dryRun ? 'Pins that would change' : 'Pins changed'));
    for (const p of pins) lines.push(`  ${p.file}: ${p.name} ${p.from} → ${p.to}`);
  }
  const shown = plans.filter((p) => p.action !== 'unchanged');
  const unchanged = plans.length - shown.length;
  lines.push(c.bold('Files'));
  for (const p of shown) {
    const label = p.action === 'conflict' ? c.red(LABEL[p.action].padEnd(9)) : LABEL[p.action].padEnd(9);
    const detail =
      p.action === 'conflict'
        ? `${p.reason ?? DETAIL.conflict}: ${p.conflicts} conflict${p.conflicts === 1 ? '' : 's'} written as markers`
        : (p.reason ?? DETAIL[p.action]);
    lines.push(`  ${label} ${p.path}${detail ? c.dim(`  ${detail}`) : ''}`);
  }
  if (options.record) lines.push(`  ${'record'.padEnd(9)} ${options.record}`);
  if (unchanged > 0) lines.push(c.dim(`  ${unchanged} file${unchanged === 1 ? '' : 's'} unchanged`));
  return lines.join('\n');
}

export function formatConflicts(plans: FilePlan[], color: boolean): string | undefined {
  const conflicted = plans.filter((p) => p.action === 'conflict');
  if (conflicted.length === 0) return undefined;
  const c = color ? pc : pc.createColors(false);
  return [
    c.red(c.bold(`Conflicts in ${conflicted.length} file${conflicted.length === 1 ? '' : 's'}:`)),
    ...conflicted.map(
      (p) => `  ${p.path} (${p.conflicts} block${p.conflicts === 1 ? '' : 's'} between <<<<<<< and >>>>>>>)`,
    ),
    'Keep what you want between the markers, delete the marker lines, then run `create-traced-service doctor` ' +
      '(it exits 1 while markers remain).',
  ].join('\n');
}
