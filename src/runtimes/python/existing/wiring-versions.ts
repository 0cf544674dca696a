/**
 * Which wiring fits the framework release a project pins or locks, decided before anything is written:
 * the instrumentations accept old releases (starlette >= 0.13) whose internals the wiring touches differ,
 * and FastAPI 0.142 and later trace themselves, so the generated wiring must match the release the
 * service really runs, or be refused.
 */
import { UsageError } from '../../../core/errors.js';
import type { OtelLine } from '../../../catalog/python-sets.js';
import { satisfies } from '../pep440.js';
import type { Pinned } from './otel-choice.js';

/** Template context for the framework wiring (templates/add-tracing/<framework>.py.hbs and its partials). */
export interface WiringVariant {
  /** Starlette before 0.35 keeps a Middleware's keyword arguments in `options` (`kwargs` from 0.35). */
  starletteMiddlewareOptions?: boolean;
  /** The release the project pins or locks, named in the generated comment. */
  starletteRelease?: string;
  /** Starlette before 0.24 builds its middleware stack eagerly: it is rebuilt after the options change. */
  starletteRebuildStack?: boolean;
  /**
   * FastAPI 0.142 and later: FastAPI's own instrumentation, given the module's providers through the
   * construction's `telemetry=` argument, instead of FastAPIInstrumentor (and without its package).
   */
  nativeTelemetry?: boolean;
}

interface Release {
  /** PEP 440 range of the framework's releases this row covers. */
  range: string;
  variant?: WiringVariant;
  /** Why these releases cannot be wired, and what to do instead. */
  refuse?: string;
}

/**
 * Per framework, newest first, from its own source: Starlette 0.35 renamed Middleware.options to kwargs
 * (with *args); 0.24 made the middleware stack lazy; 0.16 made Router.lifespan_context an async context
 * manager factory (before it, an async generator the flush cannot be composed with). FastAPI 0.142 added
 * its own instrumentation (`FastAPI(telemetry={...})`: the route-named server span and
 * http.server.request.duration for less CPU per request than FastAPIInstrumentor's ASGI middleware);
 * older FastAPI (>= 0.92, what its instrumentation accepts) is wired with FastAPIInstrumentor. Flask and
 * Django are wired through their instrumentors' public API on every release those accept.
 */
const RELEASES: Record<string, Release[]> = {
  fastapi: [
    { range: '>=0.142', variant: { nativeTelemetry: true } },
    { range: '<0.142', variant: {} },
  ],
  starlette: [
    { range: '>=0.35', variant: {} },
    { range: '>=0.24,<0.35', variant: { starletteMiddlewareOptions: true } },
    { range: '>=0.16,<0.24', variant: { starletteMiddlewareOptions: true, starletteRebuildStack: true } },
    {
      range: '<0.16',
      refuse:
        'its lifespan is an async generator, which the telemetry flush on shutdown cannot be composed with (Starlette 0.16 made it a context manager)',
    },
  ],
};

/** The lowest release a row's range admits (`>=X`), if it has a floor. */
function rowFloor(row: Release): string | undefined {
  return /(?:^|,)\s*>=\s*([^,\s]+)/.exec(row.range)?.[1];
}

/**
 * The row of the release the project will run: an exact pin or a lock decides; otherwise the line's own
 * release of the framework (what the installer picks next to that OpenTelemetry set) when the project's
 * range admits it, else the newest row that range reaches (an upper bound such as Poetry's ^0.115 keeps
 * the newest releases out).
 */
function releaseRow(rows: Release[], framework: string, pins: Pinned[], line?: OtelLine): Release {
  const exact = pins.find((p) => p.name === framework && !p.floor);
  const inRow = (version: string) => rows.find((r) => satisfies(version, r.range));
  if (exact) return inRow(exact.version) ?? rows[0]!;
  const range = pins.find((p) => p.name === framework && p.floor);
  const current = line?.thirdParty[framework];
  if (current && (!range?.spec || satisfies(current, range.spec))) return inRow(current) ?? rows[0]!;
  if (!range?.spec) return rows[0]!;
  const reached = rows.find((r) => {
    const floor = rowFloor(r);
    return (floor !== undefined && satisfies(floor, range.spec!)) || satisfies(range.version, r.range);
  });
  return reached ?? rows[0]!;
}

/**
 * The wiring for the framework version the project pins or locks (see releaseRow). Throws a one-line
 * UsageError for a release that cannot be wired.
 */
export function wiringVariant(framework: string, pins: Pinned[], line?: OtelLine): WiringVariant {
  const rows = RELEASES[framework];
  if (!rows) return {};
  const row = releaseRow(rows, framework, pins, line);
  const pin = pins.find((p) => p.name === framework && !p.floor) ?? pins.find((p) => p.name === framework);
  const release = pin ? (pin.floor && pin.spec ? pin.spec : pin.version) : undefined;
  if (row.refuse) {
    const lowest = rows
      .filter((r) => r.variant)
      .at(-1)!
      .range.split(',')[0]!
      .replace('>=', '');
    throw new UsageError(
      `${framework} ${release} (${pin?.source}) cannot be traced: ${row.refuse}; ` +
        `raise ${framework} to ${lowest} or later — nothing was changed`,
    );
  }
  return row.variant?.starletteMiddlewareOptions && release
    ? { ...row.variant, starletteRelease: release }
    : (row.variant ?? {});
}
