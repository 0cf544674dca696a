/**
 * Which wiring fits the framework release a project pins or locks, decided before anything is written:
 * the instrumentations accept old releases (starlette >= 0.13) whose internals the wiring touches differ,
 * so the generated instrument_app() must match the release the service really runs, or be refused.
 */
import { UsageError } from '../../../core/errors.js';
import { satisfies } from '../pep440.js';
import type { Pinned } from './otel-choice.js';

/** Template context for the framework wiring (templates/partials/starlette-instrument.hbs). */
export interface WiringVariant {
  /** Starlette before 0.35 keeps a Middleware's keyword arguments in `options` (`kwargs` from 0.35). */
  starletteMiddlewareOptions?: boolean;
  /** The release the project pins or locks, named in the generated comment. */
  starletteRelease?: string;
  /** Starlette before 0.24 builds its middleware stack eagerly: it is rebuilt after the options change. */
  starletteRebuildStack?: boolean;
}

interface Release {
  /** PEP 440 range of the framework's releases this row covers. */
  range: string;
  variant?: WiringVariant;
  /** Why these releases cannot be wired, and what to do instead. */
  refuse?: string;
}

/**
 * Per framework, from its own source: Starlette 0.35 renamed Middleware.options to kwargs (with *args);
 * 0.24 made the middleware stack lazy; 0.16 made Router.lifespan_context an async context manager factory
 * (before it, an async generator the flush cannot be composed with). FastAPI >= 0.92 (what its
 * instrumentation accepts) requires Starlette >= 0.25 and is wired through build_middleware_stack; Flask
 * and Django are wired through their instrumentors' public API on every release those accept.
 */
const RELEASES: Record<string, Release[]> = {
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

/**
 * The wiring for the framework version the project pins or locks. A range's floor says nothing about what
 * gets installed (the newest release it allows), so only an exact pin or a lock decides; without one the
 * current releases' wiring is used. Throws a one-line UsageError for a release that cannot be wired.
 */
export function wiringVariant(framework: string, pins: Pinned[]): WiringVariant {
  const rows = RELEASES[framework];
  const pin = pins.find((p) => p.name === framework && !p.floor);
  if (!rows) return {};
  if (!pin) return rows[0]!.variant ?? {};
  const row = rows.find((r) => satisfies(pin.version, r.range));
  if (!row) return rows[0]!.variant ?? {};
  if (row.refuse) {
    const lowest = rows
      .filter((r) => r.variant)
      .at(-1)!
      .range.split(',')[0]!
      .replace('>=', '');
    throw new UsageError(
      `${framework} ${pin.version} (${pin.source}) cannot be traced: ${row.refuse}; ` +
        `raise ${framework} to ${lowest} or later — nothing was changed`,
    );
  }
  return row.variant?.starletteMiddlewareOptions
    ? { ...row.variant, starletteRelease: pin.version }
    : (row.variant ?? {});
}
