/**
 * What tracing an existing app of a given framework takes beyond the telemetry module and the
 * instrument_app() call: the server the smoke test starts it with, gunicorn's worker hooks when the
 * project serves it with gunicorn, and the packages to declare (never a server the project does not use).
 */
import { UsageError } from '../../../core/errors.js';
import { addTracingPackages, getFramework } from '../../../catalog/frameworks/index.js';
import type { ServiceOptions } from '../../../options/schema.js';
import { templateContext } from '../../../generate/plan.js';
import { pythonTemplates } from '../templates.js';
import { renderTemplate } from '../../../generate/render.js';
import { corePackages, type OtelLine, type PythonPackage } from '../../../catalog/python-sets.js';
import { GUNICORN_MARKER } from './frameworks.js';
import { gunicornUse } from './gunicorn.js';
import type { Pinned } from './otel-choice.js';
import type { ProjectReport, ServeTarget } from './types.js';
import { wiringVariant, type WiringVariant } from './wiring-versions.js';

const WSGI = new Set(['flask', 'django']);

export interface FrameworkWiring {
  serverCommand: (serve: ServeTarget) => string[];
  gunicorn?: { config: string; hooks: string };
  wanted: PythonPackage[];
  /** The telemetry module's wiring for the framework release the project pins or locks. */
  variant: WiringVariant;
  /** Why the wiring is not the one the release alone would get. */
  note?: string;
}

/** file:line of the project's own call of the framework's instrumentor (not add-tracing's), if any. */
function ownInstrumentorCall(report: ProjectReport, instrumentor: string | undefined): string | undefined {
  for (const file of report.files) {
    if (!instrumentor || file.path === report.telemetryModule?.path) continue;
    const call = (file.otel ?? []).find(
      (o) => (o.kind === 'instrumentApp' || o.kind === 'instrumentGlobal') && o.instrumentor === instrumentor,
    );
    if (call) return `${file.path}:${call.line}`;
  }
  return undefined;
}

function renderHooks(options: ServiceOptions): string {
  return renderTemplate('add-tracing/gunicorn-hooks.py.hbs', {
    ...templateContext(options, pythonTemplates),
    marker: GUNICORN_MARKER,
  });
}

export function frameworkWiring(
  report: ProjectReport & { texts: Record<string, string> },
  options: ServiceOptions,
  line: OtelLine,
  pins: Pinned[] = [],
): FrameworkWiring {
  const descriptor = getFramework(options.framework);
  // Decided (or refused) before anything is written.
  const instrumentor = descriptor.existing.instrumentor;
  const byRelease = wiringVariant(options.framework, pins, line);
  // The project's own instrumentor call stays, so the instrumentor's wiring is kept (it instruments the app
  // first, which makes that call a no-op) rather than FastAPI's own, which would stand aside for it.
  const own = byRelease.nativeTelemetry ? ownInstrumentorCall(report, instrumentor) : undefined;
  const { nativeTelemetry: _native, ...instrumentorWiring } = byRelease;
  const variant: WiringVariant = own ? instrumentorWiring : byRelease;
  const note = own
    ? `${own} instruments the app with ${instrumentor}, so add-tracing wires it with ${instrumentor} too (first, which makes that call a no-op); remove that call and run add-tracing again to be traced by FastAPI's own instrumentation (less CPU per request)`
    : undefined;
  const use = WSGI.has(options.framework) ? gunicornUse(report) : undefined;
  if (use?.used && use.preload) {
    throw new UsageError(
      `gunicorn preloads the app in its master (${use.preload}): every worker would share a provider built before the fork; ` +
        'drop preload_app / --preload so each worker imports the app itself — nothing was changed',
    );
  }
  const gunicorn = use?.used ? { config: use.config, hooks: renderHooks(options) } : undefined;
  // A server is added only when the smoke test starts the app with it.
  const servedBy = (name: string) =>
    name === 'gunicorn' ? Boolean(gunicorn) : name === 'uvicorn' ? !WSGI.has(options.framework) : true;
  const wanted = [
    ...corePackages(line, options.exporter),
    ...addTracingPackages(descriptor, line, variant).filter((p) => servedBy(p.name)),
  ];
  return {
    serverCommand: (serve) =>
      descriptor.existing.serverCommand(serve, gunicorn ? { gunicornConfig: gunicorn.config } : {}),
    ...(gunicorn ? { gunicorn } : {}),
    wanted,
    variant,
    ...(note ? { note } : {}),
  };
}
