/**
 * zod's `z` namespace re-exports every schema, JSON Schema conversion, codecs and more; bundled whole it
 * is about 190 kB that every run compiles before it parses a flag. The modules that import `z` use a
 * dozen of its members, so the bundle gets a `z` holding only those, and the bundler drops the rest.
 *
 * The members are read from the importers' source after TypeScript types are stripped (`z.input<...>`
 * in a type needs nothing at run time). A use this cannot see (`z` passed around, destructured or
 * indexed) fails the build rather than leaving a member undefined in the bundle.
 *
 * Every schema type refers to zod's JSON Schema conversion (`toJSONSchema`, about 30 kB), which no command
 * calls: the bundle gets stand-ins for its two modules that say so when called.
 *
 * The bundle's zod is also `jitless`: an object schema otherwise compiles a parser with `new Function`
 * on its first parse, which costs a run that parses its options once more than it saves.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { transformSync } from 'rolldown/utils';

const NAMESPACE = 'cts-zod-subset';
const NO_JSON_SCHEMA = '\0cts-zod-no-json-schema:';
const JSON_SCHEMA_MODULE = /[\\/]node_modules[\\/]zod[\\/].*[\\/](json-schema-processors|to-json-schema)\.js$/;
// The factories of a schema's `toJSONSchema` method and of its Standard Schema `jsonSchema` members.
const METHOD_FACTORIES = new Set(['createToJSONSchemaMethod', 'createStandardJSONSchemaMethod']);
const IMPORT_Z = /^\s*import\s*\{\s*z\s*\}\s*from\s*["']zod["'];?[ \t]*$/m;
const MEMBER = /^[A-Za-z_$][\w$]*$/;

/** Zod members a module's JavaScript uses through `z.<member>`; throws on any other use of `z`. */
export function zodMembers(js, file = 'module') {
  const body = js.replace(IMPORT_Z, '');
  const members = new Set();
  for (const m of body.matchAll(/(?<![\w$.])z\b(\s*\.\s*([A-Za-z_$][\w$]*))?/g)) {
    if (!m[2]) {
      const line = body.slice(0, m.index).split('\n').length;
      throw new Error(`${file}:${line}: zod is used other than as z.<member>; the bundle's z holds only those`);
    }
    members.add(m[2]);
  }
  return members;
}

/** The members `file` (TypeScript or JavaScript) uses, or undefined when it does not import zod. */
function membersOf(file) {
  const source = readFileSync(file, 'utf8');
  if (!/\bfrom\s*["']zod["']|\b(?:import|require)\(\s*["']zod["']\s*\)/.test(source)) return undefined;
  if (!IMPORT_Z.test(source)) throw new Error(`${file}: import zod as \`import { z } from 'zod'\``);
  const { code, errors } = transformSync(file, source);
  if (errors.length) throw new Error(`${file}: ${errors[0].message}`);
  return zodMembers(code, file);
}

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

/** The module source that stands in for zod: a `z` object with just `members`, zod set to jitless. */
export function subsetModule(members) {
  const list = [...members].sort();
  for (const m of list) if (!MEMBER.test(m)) throw new Error(`not a zod member name: ${m}`);
  return [
    `import { config as zodConfig, ${list.map((m) => `${m} as m_${m}`).join(', ')} } from 'zod';`,
    // Before any schema exists: each object schema reads the setting when it is built.
    'zodConfig({ jitless: true });',
    `export const z = Object.freeze({ ${list.map((m) => `${m}: m_${m}`).join(', ')} });`,
    '',
  ].join('\n');
}

/** Names a module exports (`export function|const|let|class name`, `export { a as name }`). */
function exportNames(source) {
  const names = new Set();
  for (const m of source.matchAll(/^export\s+(?:async\s+)?(?:function\*?|const|let|var|class)\s+([\w$]+)/gm))
    names.add(m[1]);
  for (const m of source.matchAll(/^export\s*\{([^}]*)\}\s*;?\s*$/gm)) {
    for (const part of m[1].split(',')) {
      const name = part
        .trim()
        .split(/\s+as\s+/)
        .pop();
      if (name) names.add(name);
    }
  }
  return [...names];
}

/** A stand-in for one of zod's JSON Schema modules: every export throws when used, as one line. */
export function noJsonSchemaModule(source) {
  const names = exportNames(source);
  if (names.length === 0) throw new Error("no exports found in zod's JSON Schema module: has zod changed?");
  const lines = [
    'const unavailable = () => {',
    '  throw new Error("JSON Schema conversion is not part of the create-traced-service bundle");',
    '};',
  ];
  for (const name of names) {
    if (!MEMBER.test(name)) throw new Error(`not an export name: ${name}`);
    lines.push(`export const ${name} = ${METHOD_FACTORIES.has(name) ? '() => unavailable' : 'unavailable'};`);
  }
  return `${lines.join('\n')}\n`;
}

/** Rollup-style plugin (rolldown): in the modules below `srcDir`, `import { z } from 'zod'` gets only the members they use. */
export function zodSubsetPlugin(srcDir) {
  const id = `\0${NAMESPACE}`;
  let importers = new Set();
  let used = new Set();
  return {
    name: 'zod-subset',
    buildStart() {
      importers = new Set();
      used = new Set();
      for (const file of sourceFiles(srcDir)) {
        const members = membersOf(file);
        if (!members) continue;
        importers.add(file);
        for (const m of members) used.add(m);
      }
    },
    async resolveId(source, importer) {
      if (importer && /[\\/]node_modules[\\/]zod[\\/]/.test(importer) && /json-schema/.test(source)) {
        const resolved = await this.resolve(source, importer, { skipSelf: true });
        if (resolved && JSON_SCHEMA_MODULE.test(resolved.id)) return `${NO_JSON_SCHEMA}${resolved.id}`;
        return resolved;
      }
      // The subset module's own import is zod itself.
      if (source !== 'zod' || importer === id) return null;
      if (!importers.has(importer)) {
        throw new Error(`${importer} imports zod but is not below ${srcDir}, where its uses are read`);
      }
      return id;
    },
    load(loading) {
      if (loading === id) return subsetModule(used);
      if (loading.startsWith(NO_JSON_SCHEMA))
        return noJsonSchemaModule(readFileSync(loading.slice(NO_JSON_SCHEMA.length), 'utf8'));
      return null;
    },
  };
}
