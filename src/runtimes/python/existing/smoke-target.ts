/** The smoke test of an existing app: its own dependencies, its start command, a route from its route table. */
import { getFramework } from '../../../catalog/frameworks/index.js';
import type { ServiceOptions } from '../../../options/schema.js';
import type { ExistingAnswers } from '../../../answers/document.js';
import type { PreparedEnv } from '../../../pipeline/install-and-smoke.js';
import type { SmokeTarget } from '../../../smoke/types.js';
import type { Ui } from '../../../core/ui.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../../core/errors.js';
import { installedPythons } from '../installs.js';
import { venvPython } from '../env.js';
import { LINE_COMPAT } from '../../../catalog/python-sets.js';
import { readAppEnv } from '../../../pipeline/app-env.js';
import { READINESS_PATH } from '../../../smoke/readiness.js';
import { declaredPython } from './environment.js';
import { chooseInterpreter, type Interpreter } from './project-python.js';
import { chooseRoute, discoverRoutes, routeFromFlag, writeInstallFile, type RouteChoice } from './install.js';
import { emittedSpan, type EmittedSpan } from './emitted-span.js';

/**
 * Readiness of an existing app: any HTTP answer, on a path no app serves, so the probe never adds a
 * measurement to the sample route's metrics (a 404 has no http.route) nor a span to its traces.
 */

export function existingTarget(
  existing: Pick<ExistingAnswers, 'serverCommand'>,
  route: RouteChoice,
  framework = 'fastapi',
  env: Record<string, string> = {},
  /** What the installed instrumentation names this request's span, when it was asked. */
  emitted?: EmittedSpan,
): Partial<SmokeTarget> {
  const spanRoute = getFramework(framework).existing.spanRoute?.(route.template) ?? route.template;
  return {
    env,
    readyPath: READINESS_PATH,
    serverCommand: (port: number) => existing.serverCommand.map((a) => a.replace('{port}', String(port))),
    expectation: {
      requestPath: route.path,
      route: emitted ? emitted.route : spanRoute,
      serverSpanName: emitted ? emitted.name : `GET ${spanRoute}`,
      // An existing app has no manual child span of the sample's kind, and may open spans of its own.
      expectChild: false,
      spansPerRequest: 1,
      spansPerRequestMode: 'atLeast',
    },
  };
}

export interface ExistingSmokeSettings {
  pipeline: {
    requirementsFile: string;
    /** The installed interpreter that fits the project's declared Python, when there is one. */
    basePython?: { command: string; version: string };
    resolveTarget: (env: PreparedEnv) => Promise<Partial<SmokeTarget>>;
  };
  /** The route that was used (known once resolveTarget ran). */
  route: () => RouteChoice | undefined;
  /** Error from importing the app to read its routes, if any. */
  importError: () => string | undefined;
  cleanup: () => Promise<void>;
}

/**
 * Settings for installAndSmoke: install the project's dependencies (not requirements-dev.txt), then,
 * with the environment ready, pick the route (--route, the answers file, or the app's route table).
 */
export async function existingSmokeSettings(
  root: string,
  existing: ExistingAnswers,
  options: ServiceOptions,
  ui: Ui,
  routeFlag?: string,
  envFileFlag?: string,
): Promise<ExistingSmokeSettings> {
  const appEnv = await readAppEnv(root, envFileFlag, ui);
  const install = await writeInstallFile(root, existing.dependencyFiles ?? []);
  let chosen: RouteChoice | undefined;
  let known = false;
  let importError: string | undefined;
  const [module = '', attr = ''] = existing.app.split(':');
  const serve = { module, attr, factory: existing.factory ?? false, appDir: existing.appDir ?? '' };
  const base = await interpreterFor(root, options.otelVersion);
  return {
    pipeline: {
      requirementsFile: install.requirementsFile,
      ...(base ? { basePython: { command: base.command, version: base.version } } : {}),
      resolveTarget: async (env) => {
        let routes: { template: string; path: string; pathParams: number }[] = [];
        // The route table is read from FastAPI's OpenAPI schema and Flask's URL map; other frameworks need
        // --route. Every app is imported first all the same: that shows an error its server would hide
        // (Django's runserver falls back to its default settings when the project's do not import).
        const readable = options.framework === 'fastapi' || options.framework === 'flask';
        if (!readable && !existing.route && !routeFlag)
          ui.warn(`the routes of a ${options.framework} app are not discovered; pass --route /path to request one`);
        if (
          !existing.route ||
          (routeFlag && existing.route.path !== routeFlag && existing.route.template !== routeFlag)
        ) {
          try {
            routes = await discoverRoutes(venvPython(env.venvDir), root, serve, appEnv);
          } catch (error) {
            // The app does not import: no route is guessed, the smoke test reports this error instead.
            importError = (error as Error).message;
            throw error;
          }
        }
        const recorded =
          existing.route && (!routeFlag || existing.route.path === routeFlag || existing.route.template === routeFlag)
            ? existing.route
            : undefined;
        chosen = recorded ?? (routeFlag ? routeFromFlag(routeFlag, routes) : chooseRoute(routes, options.excludedUrls));
        known = chosen !== undefined;
        if (!chosen) {
          if (!importError && readable) {
            ui.warn(
              `no GET route without required parameters found in ${existing.app}; requesting / for this run only (pass --route /path to choose one)`,
            );
          }
          chosen = { template: '/', path: '/' };
        }
        const python = venvPython(env.venvDir);
        const emitted = await emittedSpan(python, root, serve, options.framework, chosen.path, appEnv.env);
        return existingTarget(existing, chosen, options.framework, appEnv.env, emitted);
      },
    },
    // Only a route that was given or discovered is worth recording.
    route: () => (known ? chosen : undefined),
    importError: () => importError,
    cleanup: install.cleanup,
  };
}

/** The newest installed interpreter that fits the project's declared Python and its OpenTelemetry set. */
async function interpreterFor(root: string, otelVersion: string): Promise<Interpreter | undefined> {
  const minimum = (LINE_COMPAT as Record<string, { python: string }>)[otelVersion]?.python;
  return chooseInterpreter(await declaredPython(root), await installedPythons(root), minimum);
}
