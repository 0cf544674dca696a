/** Renders the templates of a generated project: Handlebars with one escaping helper per target language. */
import { createRequire } from 'node:module';
import TEMPLATES from 'virtual:cts-templates';
import Handlebars from 'handlebars/runtime';
import {
  composeString,
  markdownCode,
  jsString,
  markdownText,
  pythonString,
  shellWord,
  tomlString,
  yamlString,
} from '../core/escape.js';

/**
 * The templates, precompiled at build time (scripts/templates.mjs) and run on the Handlebars runtime:
 * every user value goes through the helper for the language of the file it lands in ({{py x}},
 * {{toml x}}, {{yaml x}}, ...), and strict mode turns a misspelt variable into an error.
 */
const hb = Handlebars.create();

const str = (v: unknown) => {
  if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`expected a string, got ${typeof v}`);
  return String(v);
};

hb.registerHelper({
  py: (v: unknown) => pythonString(str(v)),
  js: (v: unknown) => jsString(str(v)),
  toml: (v: unknown) => tomlString(str(v)),
  yaml: (v: unknown) => yamlString(str(v)),
  compose: (v: unknown) => composeString(str(v)),
  sh: (v: unknown) => shellWord(str(v)),
  md: (v: unknown) => markdownText(str(v)),
  mdCode: (v: unknown) => markdownCode(str(v)),
  json: (v: unknown) => JSON.stringify(v),
  // A JSON value on several lines, nested two spaces deeper than the key it is the value of.
  jsonNested: (v: unknown) => JSON.stringify(v, null, 2).replace(/\n/g, '\n  '),
  pyBool: (v: unknown) => (v ? 'True' : 'False'),
  eq: (a: unknown, b: unknown) => a === b,
  not: (a: unknown) => !a,
  // Builds a partial's name, e.g. {{> (concat "node/" framework.name "-mistakes")}} for the framework's own text.
  concat: (...parts: unknown[]) => parts.slice(0, -1).map(str).join(''),
});

/** A template precompiled at build time, as Handlebars.compile would give it. */
const load = (spec: TemplateSpecification) => hb.template(spec);

// A template below a `partials/` directory is a partial, named by its path after it without `.hbs`.
const PARTIAL = /(?:^|\/)partials\/(.+)\.hbs$/;
// Compiled on first use: a scaffold renders a handful of the partials.
for (const [key, entry] of Object.entries(TEMPLATES)) {
  const partial = PARTIAL.exec(key);
  if (!partial || !(entry.spec ?? entry.hbs)) continue;
  let compiledPartial: HandlebarsTemplateDelegate | undefined;
  const lazy = (context: unknown, options: RuntimeOptions) => {
    compiledPartial ??= load(contentOf(key).spec!);
    return compiledPartial(context, options);
  };
  hb.registerPartial(partial[1]!, lazy as HandlebarsTemplateDelegate);
}

const compiled = new Map<string, HandlebarsTemplateDelegate>();
const requireBeside = createRequire(import.meta.url);
type Content = { spec?: TemplateSpecification; text?: string };

/** A template's spec or text: inline, or from its folder's module beside the bundle (loaded once, by require). */
function contentOf(key: string): Content {
  const entry = TEMPLATES[key];
  if (!entry?.group) return entry ?? {};
  const group = requireBeside(`./${entry.group}`) as Record<string, Content>;
  return group[key] ?? {};
}

const isTemplate = (key: string) => Boolean(TEMPLATES[key]?.spec ?? TEMPLATES[key]?.hbs);

/** Renders templates/<key> (a `.hbs` file) with `context`. */
export function renderTemplate(key: string, context: object): string {
  if (!isTemplate(key)) throw new Error(`template ${key}: no such template`);
  let template = compiled.get(key);
  if (!template) {
    template = load(contentOf(key).spec!);
    compiled.set(key, template);
  }
  try {
    return template(context);
  } catch (error) {
    throw new Error(`template ${key}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function hasTemplate(key: string): boolean {
  return key in TEMPLATES;
}

export interface TemplateFile {
  /** POSIX path relative to the directory listed. */
  path: string;
  /** 0o755 for executables. */
  mode?: number;
  /** The file's content: rendered for `.hbs` files, as is for the others. */
  render(context: object): string;
}

/** Every file below templates/<dir>, partials excepted. */
export function templateFiles(dir: string): TemplateFile[] {
  const prefix = `${dir}/`;
  return Object.entries(TEMPLATES)
    .filter(([key]) => key.startsWith(prefix) && !PARTIAL.test(key))
    .map(([key, entry]) => ({
      path: key.slice(prefix.length),
      ...(entry.mode ? { mode: entry.mode } : {}),
      render: (context: object) => (isTemplate(key) ? renderTemplate(key, context) : (contentOf(key).text ?? '')),
    }));
}
