/** The telemetry module add-tracing writes (and upgrade renders again to merge). */
import { getFramework } from '../../../catalog/frameworks/index.js';
import type { ServiceOptions } from '../../../options/schema.js';
import { templateContext } from '../../../generate/plan.js';
import { pythonTemplates } from '../templates.js';
import { hasTemplate, renderTemplate } from '../../../generate/render.js';
import { TELEMETRY_MARKER } from './frameworks.js';
import type { TelemetryPlacement } from './patch.js';
import type { WiringVariant } from './wiring-versions.js';

/**
 * Renders the telemetry module: the templates' app/telemetry.py.hbs (the framework's layer if it has one,
 * else the common one) with the same context `create` uses, plus the framework's wiring
 * (templates/add-tracing/<framework>.py.hbs). Only this one
 * template is rendered, so a template elsewhere that is being edited cannot break add-tracing. `variant`
 * is the wiring that fits the framework release the project pins (./wiring-versions.ts).
 */
export function renderTelemetryModule(
  options: ServiceOptions,
  placement: TelemetryPlacement,
  appModule: string,
  variant: WiringVariant = {},
): string {
  const framework = getFramework(options.framework);
  const source = [`${framework.templateDir}/app/telemetry.py.hbs`, 'python/app/telemetry.py.hbs'].find(hasTemplate);
  if (!source) throw new Error('the templates have no app/telemetry.py.hbs');
  const context = templateContext(options, pythonTemplates);
  const base = renderTemplate(source, context);
  const addendum = renderTemplate(`add-tracing/${options.framework}.py.hbs`, {
    ...context,
    ...variant,
    marker: TELEMETRY_MARKER,
    appModule,
  });
  // The template speaks of the generated layout (app.main, app.telemetry); name this project's modules.
  const body = base
    .replaceAll('`app.main` imports it', `\`${appModule}\` imports it`)
    .replaceAll('before app.telemetry was imported', `before ${placement.module} was imported`);
  return `${body.replace(/\n+$/, '\n')}${addendum}`;
}
