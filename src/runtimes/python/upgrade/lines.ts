/** Which matched OpenTelemetry set a project can move to: the newest this CLI knows that its Python supports. */
import { LINE_MIN_PYTHON, OTEL_LINES, type OtelLineName } from '../../../catalog/python-sets.js';
import { UsageError } from '../../../core/errors.js';
import { compareDotted } from '../../../core/dotted-version.js';

const minorOf = (line: string) => Number(line.split('.')[1]);

export function knownLines(): string[] {
  return Object.keys(OTEL_LINES).sort((a, b) => minorOf(b) - minorOf(a));
}

export function supportsPython(line: string, python: string | undefined): boolean {
  const min = LINE_MIN_PYTHON[line as OtelLineName];
  return python === undefined || min === undefined || compareDotted(python, min) >= 0;
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

/** The line to move to: --otel-version, else the newest known line the project's Python supports. */
export function targetLine(
  current: string,
  requested: string | undefined,
  python: string | undefined,
): { line: string; why: string } {
  if (requested !== undefined) {
    if (!(requested in OTEL_LINES))
      throw new UsageError(
        `--otel-version ${requested}: not a matched set this CLI knows; use one of ${knownLines().join(', ')}`,
      );
    if (!supportsPython(requested, python))
      throw new UsageError(
        `--otel-version ${requested} does not support the project's Python ${python}; use one of ${knownLines()
          .filter((l) => supportsPython(l, python))
          .join(', ')}`,
      );
    return { line: requested, why: '--otel-version' };
  }
  const newer = newerKnownLine(current, python);
  const py = python ? ` for Python ${python}` : '';
  return newer
    ? { line: newer, why: `the newest matched set this CLI knows${py}` }
    : { line: current, why: `already the newest matched set this CLI knows${py}` };
}
