/** Which matched OpenTelemetry set a project can move to: the newest this CLI knows that its Python supports. */
import { LINE_MIN_PYTHON, OTEL_LINES, type OtelLineName } from '../../../catalog/python-sets.js';

const minorOf = (line: string) => Number(line.split('.')[1]);

/** Compares two "X.Y" versions (lines or Pythons) numerically. */
export function compareVersions(a: string, b: string): number {
  const [a1, a2] = a.split('.').map(Number);
  const [b1, b2] = b.split('.').map(Number);
  return (a1 ?? 0) - (b1 ?? 0) || (a2 ?? 0) - (b2 ?? 0);
}

export function knownLines(): string[] {
  return Object.keys(OTEL_LINES).sort((a, b) => minorOf(b) - minorOf(a));
}

export function supportsPython(line: string, python: string | undefined): boolean {
  const min = LINE_MIN_PYTHON[line as OtelLineName];
  return python === undefined || min === undefined || compareVersions(python, min) >= 0;
}

/** The newest known line for `python` (undefined Python: the newest known line). */
export function newestLineFor(python: string | undefined): string | undefined {
  return knownLines().find((l) => supportsPython(l, python));
}

/** A known line newer than `current` that `python` supports, if there is one. */
export function newerKnownLine(current: string, python: string | undefined): string | undefined {
  const newest = newestLineFor(python);
  return newest !== undefined && minorOf(newest) > minorOf(current) ? newest : undefined;
}
