/** The runtimes a service can be generated for: the one a framework runs on, the one a directory holds. */
import { serviceFramework, type RuntimeName } from '../catalog/frameworks/index.js';
import { node } from './node/index.js';
import { python } from './python/index.js';
import type { Runtime } from './types.js';

export type {
  AddTracingFlags,
  LockOutcome,
  PreparedEnv,
  PrepareSettings,
  Runtime,
  TemplateLayer,
  TracingResult,
  Upgrader,
} from './types.js';

/** Every runtime, in the order a directory is matched: a Python project may carry a package.json for its front end. */
export const RUNTIMES: Record<RuntimeName, Runtime> = { python, node };

/** The runtime of a framework, by the framework's name. */
export function runtimeOf(frameworkName: string): Runtime {
  return RUNTIMES[serviceFramework(frameworkName).runtime];
}

/** The runtime of the service in `dir`: the first that owns it, else Python (whose analysis says what is missing). */
export function runtimeFor(dir: string): Runtime {
  return Object.values(RUNTIMES).find((r) => r.owns(dir)) ?? python;
}
