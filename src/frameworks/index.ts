import { django } from './django.js';
import { fastapi } from './fastapi.js';
import { flask } from './flask.js';
import { starlette } from './starlette.js';
import type { FrameworkDescriptor } from './types.js';

export type { FrameworkDescriptor, SampleExpectation, ServerCommandOptions } from './types.js';

/** Every framework the CLI can generate, in the order prompts list them. The first is the default. */
export const FRAMEWORKS = [fastapi, starlette, flask, django] as const satisfies readonly FrameworkDescriptor[];

export const FRAMEWORK_NAMES = FRAMEWORKS.map((f) => f.name) as [string, ...string[]];

export function getFramework(name: string): FrameworkDescriptor {
  const found = FRAMEWORKS.find((f) => f.name === name);
  if (!found) throw new Error(`unknown framework ${JSON.stringify(name)}; known: ${FRAMEWORK_NAMES.join(', ')}`);
  return found;
}
