/**
 * Handlebars partials shared by the generated projects' templates and add-tracing's wiring, so the
 * instrumentation code of a framework is written once: templates/partials/<name>.hbs is `{{> name}}`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type Handlebars from 'handlebars';
import { TEMPLATES_DIR } from './paths.js';

export const PARTIALS_DIR = path.join(TEMPLATES_DIR, 'partials');

export function registerPartials(hb: typeof Handlebars): void {
  for (const file of readdirSync(PARTIALS_DIR).filter((f) => f.endsWith('.hbs'))) {
    hb.registerPartial(file.slice(0, -'.hbs'.length), readFileSync(path.join(PARTIALS_DIR, file), 'utf8'));
  }
}
