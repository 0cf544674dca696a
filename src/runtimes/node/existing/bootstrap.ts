/**
 * The telemetry bootstrap add-tracing writes next to an existing Node service: the generated services'
 * own templates (node/src/otel-config.ts.hbs, node/src/telemetry.ts.hbs and the framework's
 * src/instrumentations.ts.hbs), rendered with the same context `create` uses and erased to plain
 * JavaScript, in one `.mjs` file loaded with `node --import`, plus the flush on SIGTERM/SIGINT that a
 * generated service's server.ts does itself.
 *
 * `.mjs` at the project's root for JavaScript and TypeScript projects alike: it is an ES module whatever
 * package.json's "type" says, needs no build step, and a TypeScript build (tsc's rootDir, include) is
 * left exactly as it was.
 */
import { serviceFramework } from '../../../catalog/frameworks/index.js';
import type { ServiceOptions } from '../../../options/schema.js';
import { templateContext } from '../../../generate/plan.js';
import { nodeTemplates } from '../templates.js';
import { hasTemplate, renderTemplate } from '../../../generate/render.js';
import { BOOTSTRAP_FILE, BOOTSTRAP_MARKER } from './project.js';
import { stripTypes } from './strip-types.js';

/** The leading doc comment of a generated module (it speaks of the generated layout). */
function withoutHeader(text: string): string {
  return text.replace(/^\/\*\*[\s\S]*?\*\/\r?\n/, '');
}

export function canRenderBootstrap(framework: string): boolean {
  try {
    return hasTemplate(`${serviceFramework(framework).templateDir}/src/instrumentations.ts.hbs`);
  } catch {
    return false;
  }
}

export function renderBootstrap(options: ServiceOptions, entry: string): string {
  const framework = serviceFramework(options.framework);
  const context = templateContext(options, nodeTemplates);
  const instrumentations = stripTypes(
    withoutHeader(renderTemplate(`${framework.templateDir}/src/instrumentations.ts.hbs`, context)),
    { dropImports: ['./otel-config.js'] },
  );
  const config = stripTypes(withoutHeader(renderTemplate('node/src/otel-config.ts.hbs', context)));
  const telemetry = stripTypes(withoutHeader(renderTemplate('node/src/telemetry.ts.hbs', context)), {
    dropImports: ['./instrumentations.js', './otel-config.js'],
  });
  const signals = renderTemplate('add-tracing/node-signals.mjs.hbs', context);
  const header = [
    BOOTSTRAP_MARKER,
    '/**',
    ` * OpenTelemetry for this ${framework.displayName} service: traces, metrics and logs, configured by the standard`,
    ` * OTEL_* variables (the values below are defaults, applied only when a variable is unset).`,
    ' *',
    ` * Loaded before the app: node --import ./${BOOTSTRAP_FILE} ${entry}`,
    ' * An instrumentation only patches modules loaded after it is registered, so the SDK starts here, before',
    ` * the entry module imports http or ${framework.displayName}; importing this file from the app is too late.`,
    ' * Credentials belong in OTEL_EXPORTER_OTLP_HEADERS at run time, never in this file.',
    ' */',
    '',
  ].join('\n');
  return `${header}${config.trimEnd()}\n\n${instrumentations.trimEnd()}\n\n${telemetry.trimEnd()}\n${signals}`;
}
