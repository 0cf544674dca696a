/** The runtimes a service can be generated for, and the one a framework runs on. */
import { serviceFramework, type RuntimeName } from '../catalog/frameworks/index.js';
import { node } from './node/index.js';
import { python } from './python/index.js';
import type { Runtime } from './types.js';

export type { PreparedEnv, PrepareSettings, Runtime, TemplateLayer } from './types.js';

export const RUNTIMES: Record<RuntimeName, Runtime> = { python, node };

/** The runtime of a framework, by the framework's name. */
export function runtimeOf(frameworkName: string): Runtime {
  return RUNTIMES[serviceFramework(frameworkName).runtime];
}
