/**
 * The templates as one ES module, built from whatever templates/ holds at build time: each `.hbs` file
 * precompiled by Handlebars (so the CLI only needs the runtime), every other file as text, each with
 * its executable bit. The bundler (scripts/build.mjs) and vitest (vitest.config.ts) serve it through the same
 * plugin under the same virtual module id, so the bundle and the unit tests render exactly the same code.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseExpression } from '@babel/parser';
import Handlebars from 'handlebars';

export const TEMPLATES_MODULE_ID = 'virtual:cts-templates';
/** A module of its own, so reading the fingerprint (every answers file records it) loads no template index. */
export const FINGERPRINT_MODULE_ID = 'virtual:cts-templates-fingerprint';
export const TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));

/** HTML escaping off (each value goes through the helper for its file's language); strict: a misspelt variable fails. */
export const COMPILE_OPTIONS = { noEscape: true, strict: true };

function listFiles(root, dir = '') {
  const out = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(root, rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

/** The module of one top-level folder of templates/, beside the bundle (see `dataDir`). */
export const dataFileName = (group) => `templates-${group.replace(/[^a-z0-9-]/gi, '_')}.cjs`;

/**
 * A precompiled specification with each of its functions in parentheses. V8 compiles a function when it is
 * first called unless it is parenthesized, and Node's compile cache held only what was compiled with the
 * module: a lazy template function was compiled again by every run that renders it (a few ms of a scaffold),
 * an eager one came from the cache. The bin's own code cache (bin/code-cache.cjs), made at exit, now holds the
 * lazy ones too. Nothing else changes: the same functions, the same output.
 */
export function eagerSpec(spec) {
  const ast = parseExpression(spec);
  if (ast.type !== 'ObjectExpression') throw new Error('a precompiled template is not an object literal');
  const functions = ast.properties
    .map((p) => p.value)
    .filter((v) => v?.type === 'FunctionExpression' && !v.extra?.parenthesized)
    .sort((a, b) => b.start - a.start);
  let out = spec;
  for (const f of functions) out = `${out.slice(0, f.start)}(${out.slice(f.start, f.end)})${out.slice(f.end)}`;
  return out;
}

/** An entry as JavaScript: a template's precompiled specification is code, every other value JSON. */
function entrySource(fields) {
  const parts = Object.entries(fields).map(
    ([k, v]) => `${JSON.stringify(k)}: ${k === 'spec' ? eagerSpec(v) : JSON.stringify(v)}`,
  );
  return `{ ${parts.join(', ')} }`;
}

/**
 * Source of the module; `files` lists what it was built from, for watchers. With `dataDir` (the bundle),
 * each top-level folder goes to its own CommonJS module there and this module keeps only the index
 * (`group`): a run loads the folders it renders (a FastAPI scaffold: common/, python/, fastapi/ and partials/), not
 * every runtime's, and the bin's code cache (bin/code-cache.cjs) keeps their code compiled between runs. Without
 * it (the unit tests), everything is inline.
 */
export function templatesModule(root = TEMPLATES_DIR, { dataDir } = {}) {
  const files = listFiles(root);
  const groups = new Map();
  const entries = files.map((rel) => {
    const file = path.join(root, rel);
    const source = readFileSync(file, 'utf8');
    const mode = (statSync(file).mode & 0o111) !== 0 ? { mode: 0o755 } : {};
    let content;
    if (!rel.endsWith('.hbs')) content = { text: source };
    else {
      try {
        content = { spec: Handlebars.precompile(source, COMPILE_OPTIONS) };
      } catch (error) {
        throw new Error(`template ${rel}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const group = rel.split('/')[0];
    if (!dataDir || !rel.includes('/')) return `  ${JSON.stringify(rel)}: ${entrySource({ ...content, ...mode })},`;
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(`  ${JSON.stringify(rel)}: ${entrySource(content)},`);
    return `  ${JSON.stringify(rel)}: ${entrySource({ group: dataFileName(group), hbs: 'spec' in content, ...mode })},`;
  });
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    for (const [group, lines] of groups) {
      const code = `'use strict';\nmodule.exports = {\n${lines.join('\n')}\n};\n`;
      writeFileSync(path.join(dataDir, dataFileName(group)), code);
    }
  }
  return { code: `export default {\n${entries.join('\n')}\n};\n`, files: files.map((rel) => path.join(root, rel)) };
}

/**
 * The templates' fingerprint: SHA-256 over every file's path, mode and bytes, in path order. Computed at build
 * time, so recording it costs a scaffold nothing; equal fingerprints mean the very same templates.
 */
export function templatesFingerprint(root = TEMPLATES_DIR) {
  const hash = createHash('sha256');
  for (const rel of listFiles(root)) {
    const file = path.join(root, rel);
    const bytes = readFileSync(file);
    const mode = (statSync(file).mode & 0o111) !== 0 ? 'x' : '-';
    hash.update(`${rel}\0${mode}\0${bytes.length}\0`).update(bytes);
  }
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Rollup-style plugin (rolldown, vitest) serving `virtual:cts-templates` (`dataDir` as for templatesModule)
 * and `virtual:cts-templates-fingerprint`.
 */
export function templatesPlugin(options = {}) {
  const id = `\0${TEMPLATES_MODULE_ID}`;
  const fingerprintId = `\0${FINGERPRINT_MODULE_ID}`;
  return {
    name: 'cts-templates',
    resolveId: (source) =>
      source === TEMPLATES_MODULE_ID ? id : source === FINGERPRINT_MODULE_ID ? fingerprintId : null,
    load(loading) {
      if (loading === fingerprintId) {
        for (const rel of listFiles(TEMPLATES_DIR)) this.addWatchFile(path.join(TEMPLATES_DIR, rel));
        return `export default ${JSON.stringify(templatesFingerprint())};\n`;
      }
      if (loading !== id) return null;
      const { code, files } = templatesModule(TEMPLATES_DIR, options);
      for (const file of files) this.addWatchFile(file);
      return code;
    },
  };
}
