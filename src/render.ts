import Handlebars from 'handlebars';
import { registerPartials } from './partials.js';
import { composeString, markdownCode, markdownText, pythonString, shellWord, tomlString, yamlString } from './escape.js';

/**
 * One Handlebars instance for all templates. HTML escaping is off: every user value goes through the
 * helper for the language of the file it lands in ({{py x}}, {{toml x}}, {{yaml x}}, ...), and strict
 * mode turns a misspelt variable into an error instead of an empty string.
 */
const hb = Handlebars.create();
registerPartials(hb);

const str = (v: unknown) => {
  if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`expected a string, got ${typeof v}`);
  return String(v);
};

hb.registerHelper({
  py: (v: unknown) => pythonString(str(v)),
  toml: (v: unknown) => tomlString(str(v)),
  yaml: (v: unknown) => yamlString(str(v)),
  compose: (v: unknown) => composeString(str(v)),
  sh: (v: unknown) => shellWord(str(v)),
  md: (v: unknown) => markdownText(str(v)),
  mdCode: (v: unknown) => markdownCode(str(v)),
  json: (v: unknown) => JSON.stringify(v),
  pyBool: (v: unknown) => (v ? 'True' : 'False'),
  eq: (a: unknown, b: unknown) => a === b,
  not: (a: unknown) => !a,
});

export function renderTemplate(source: string, context: object, name: string): string {
  try {
    return hb.compile(source, { noEscape: true, strict: true })(context);
  } catch (error) {
    throw new Error(`template ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
