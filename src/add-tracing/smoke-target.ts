/** The smoke test of an existing app: its own dependencies, its start command, a route from its route table. */
import { getFramework } from '../frameworks/index.js';
import type { ServiceOptions } from '../options.js';
import type { ExistingAnswers } from '../project.js';
import type { PythonEnv } from '../python-env.js';
import type { SmokeTarget } from '../smoke/run.js';
import type { Ui } from '../ui.js';
import { chooseRoute, discoverRoutes, routeFromFlag, writeInstallFile, type RouteChoice } from './install.js';

export function existingTarget(existing: Pick<ExistingAnswers, 'serverCommand'>, route: RouteChoice, framework = 'fastapi'): Partial<SmokeTarget> {
  const spanRoute = getFramework(framework).existing.spanRoute?.(route.template) ?? route.template;
  return {
    serverCommand: (port: number) => existing.serverCommand.map((a) => a.replace('{port}', String(port))),
    expectation: {
      requestPath: route.path,
      route: spanRoute,
      serverSpanName: `GET ${spanRoute}`,
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
    resolveTarget: (env: PythonEnv) => Promise<Partial<SmokeTarget>>;
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
): Promise<ExistingSmokeSettings> {
  const install = await writeInstallFile(root, existing.dependencyFiles ?? []);
  let chosen: RouteChoice | undefined;
  let importError: string | undefined;
  const [module = '', attr = ''] = existing.app.split(':');
  return {
    pipeline: {
      requirementsFile: install.requirementsFile,
      resolveTarget: async (env) => {
        let routes: { template: string; path: string; pathParams: number }[] = [];
        // The route table is read from FastAPI's OpenAPI schema; other frameworks need --route.
        const readable = options.framework === 'fastapi';
        if (!readable && !existing.route && !routeFlag) ui.warn(`the routes of a ${options.framework} app are not discovered; pass --route /path to request one`);
        if (readable && (!existing.route || (routeFlag && existing.route.path !== routeFlag && existing.route.template !== routeFlag))) {
          try {
            routes = await discoverRoutes(env.python, root, { module, attr, factory: existing.factory ?? false, appDir: existing.appDir ?? '' });
          } catch (error) {
            importError = (error as Error).message;
            ui.warn(importError);
          }
        }
        const recorded = existing.route && (!routeFlag || existing.route.path === routeFlag || existing.route.template === routeFlag) ? existing.route : undefined;
        chosen = recorded ?? (routeFlag ? routeFromFlag(routeFlag, routes) : chooseRoute(routes, options.excludedUrls));
        if (!chosen) {
          if (!importError && readable) ui.warn(`no GET route without required parameters found in ${existing.app}; requesting / (pass --route /path to choose one)`);
          chosen = { template: '/', path: '/' };
        }
        return existingTarget(existing, chosen, options.framework);
      },
    },
    route: () => chosen,
    importError: () => importError,
    cleanup: install.cleanup,
  };
}

