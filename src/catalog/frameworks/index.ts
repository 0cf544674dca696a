/** The framework table: every framework the CLI generates, by runtime, and how to look one up by name. */
import { django } from './django.js';
import { express } from './express.js';
import { fastapi } from './fastapi.js';
import { fastify } from './fastify.js';
import { flask } from './flask.js';
import { starlette } from './starlette.js';
import type { OtelLine, PythonPackage } from '../python-sets.js';
import type { FrameworkDescriptor, NodeFrameworkDescriptor } from './types.js';

export type {
  BaseFramework,
  FrameworkDescriptor,
  NodeFrameworkDescriptor,
  RuntimeName,
  SampleExpectation,
  ServerCommandOptions,
} from './types.js';

/** A framework of any runtime. */
export type ServiceFramework = FrameworkDescriptor | NodeFrameworkDescriptor;

/** The Python frameworks, in the order prompts list them (add-tracing, doctor and upgrade know only these). */
export const PYTHON_FRAMEWORKS = [fastapi, starlette, flask, django] as const satisfies readonly FrameworkDescriptor[];

export const NODE_FRAMEWORKS = [express, fastify] as const satisfies readonly NodeFrameworkDescriptor[];

/** Every framework the CLI can generate, in the order prompts list them. The first is the default. */
export const ALL_FRAMEWORKS: readonly ServiceFramework[] = [...PYTHON_FRAMEWORKS, ...NODE_FRAMEWORKS];

export const FRAMEWORK_NAMES = ALL_FRAMEWORKS.map((f) => f.name) as [string, ...string[]];

/** Any framework the CLI generates, Python or Node. */
export function serviceFramework(name: string): ServiceFramework {
  const found = ALL_FRAMEWORKS.find((f) => f.name === name);
  if (!found) throw new Error(`unknown framework ${JSON.stringify(name)}; known: ${FRAMEWORK_NAMES.join(', ')}`);
  return found;
}

/** A Python framework; a Node one (or an unknown name) is an error here. */
export function getFramework(name: string): FrameworkDescriptor {
  const found = PYTHON_FRAMEWORKS.find((f) => f.name === name);
  if (!found) {
    const node = NODE_FRAMEWORKS.some((f) => f.name === name);
    throw new Error(
      node
        ? `${name} is a Node.js framework; this step supports the Python frameworks only (${PYTHON_FRAMEWORKS.map((f) => f.name).join(', ')})`
        : `unknown framework ${JSON.stringify(name)}; known: ${FRAMEWORK_NAMES.join(', ')}`,
    );
  }
  return found;
}

/** What add-tracing installs for the framework on a line: its packages and those its wiring needs on top. */
export function addTracingPackages(
  framework: FrameworkDescriptor,
  line: OtelLine,
  wiring: { nativeTelemetry?: boolean } = {},
): PythonPackage[] {
  const base = framework.packages(line);
  const extra = (framework.existing.wiringPackages?.(line, wiring) ?? []).filter(
    (p) => !base.some((b) => b.name === p.name),
  );
  return [...base, ...extra];
}
