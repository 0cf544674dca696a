/**
 * An ES `import` of a Node built-in gets the module through an ES "facade" that reads every export once:
 * `import { readFileSync } from 'node:fs'` thereby loads fs's lazy streams too (about 2 ms of a scaffold
 * on Node 24), and each other built-in pays for its facade. `process.getBuiltinModule` (Node ≥ 20.16)
 * hands over the module itself, so the bundle's chunks take their built-ins from it instead.
 *
 * Only statements of the forms `import x from`, `import { a as b } from` and `import x, { a } from` are
 * rewritten (a namespace import keeps its facade), and only in chunks outside a cycle of static chunk
 * imports: a `const` runs with the chunk's body, where an import binding exists before any code runs.
 */

// One static import statement at the top of a chunk (rolldown hoists them all there); its parts.
const IMPORT_STATEMENT =
  /\s*import\s*(?:([\w$]+\s*,\s*)?([\w$]+|\{[^{}]*\}|\*\s*as\s*[\w$]+)\s*from\s*)?(["'])([^"']+)\3\s*;?/y;
const COMMENT = /\s*(?:\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)/y;
const NAME = /^[\w$]+$/;

/** `{ a, b as c }` as a destructuring pattern `{ a, b: c }`; undefined for anything else. */
function pattern(named) {
  const members = named
    .slice(1, -1)
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const parts = [];
  for (const member of members) {
    const [imported, local, ...rest] = member.split(/\s+as\s+/);
    if (rest.length > 0 || !NAME.test(imported) || (local !== undefined && !NAME.test(local))) return undefined;
    parts.push(local === undefined || local === imported ? imported : `${imported}: ${local}`);
  }
  return `{ ${parts.join(', ')} }`;
}

/** `code` with its static imports of `node:` built-ins turned into `process.getBuiltinModule` calls. */
export function builtinImportsToConsts(code) {
  // Only the leading import statements: the same text further down may be inside a string (a template).
  let out = '';
  let at = 0;
  for (;;) {
    COMMENT.lastIndex = at;
    const comment = COMMENT.exec(code);
    if (comment !== null) {
      out += comment[0];
      at = COMMENT.lastIndex;
      continue;
    }
    IMPORT_STATEMENT.lastIndex = at;
    const m = IMPORT_STATEMENT.exec(code);
    if (m === null) break;
    out += rewrite(m[0], m[1]?.replace(/\s*,\s*$/, ''), m[2], m[4]);
    at = IMPORT_STATEMENT.lastIndex;
  }
  return out + code.slice(at);
}

/** One import statement, as a `const` if it imports a built-in in a form that has one. */
function rewrite(statement, defaultName, bindings, specifier) {
  if (!specifier.startsWith('node:') || bindings === undefined || bindings.startsWith('*')) return statement;
  const get = `process.getBuiltinModule(${JSON.stringify(specifier)})`;
  const lead = statement.match(/^\s*/)[0];
  if (bindings.startsWith('{')) {
    const destructure = pattern(bindings);
    if (destructure === undefined) return statement;
    if (defaultName === undefined) return `${lead}const ${destructure} = ${get};`;
    return `${lead}const ${defaultName} = ${get}, ${destructure} = ${defaultName};`;
  }
  // `import x, y from` is not JavaScript; `import x from` is a default import: the module itself.
  if (defaultName !== undefined) return statement;
  return `${lead}const ${bindings} = ${get};`;
}

/** The chunks on a cycle of static imports (their bodies can run before a chunk they import from). */
function chunksOnCycles(bundle) {
  const chunks = new Map(
    Object.values(bundle)
      .filter((o) => o.type === 'chunk')
      .map((c) => [c.fileName, c]),
  );
  const onCycle = new Set();
  for (const start of chunks.keys()) {
    const seen = new Set();
    const todo = [...(chunks.get(start)?.imports ?? [])];
    while (todo.length > 0) {
      const file = todo.pop();
      if (file === start) {
        onCycle.add(start);
        break;
      }
      if (seen.has(file) || !chunks.has(file)) continue;
      seen.add(file);
      todo.push(...chunks.get(file).imports);
    }
  }
  return onCycle;
}

/** Rollup-style plugin (rolldown): rewrites the built-in imports of every chunk it safely can. */
export function builtinImportsPlugin() {
  return {
    name: 'cts-builtin-imports',
    generateBundle(_options, bundle) {
      const skip = chunksOnCycles(bundle);
      for (const chunk of Object.values(bundle)) {
        if (chunk.type === 'chunk' && !skip.has(chunk.fileName)) chunk.code = builtinImportsToConsts(chunk.code);
      }
    },
  };
}
