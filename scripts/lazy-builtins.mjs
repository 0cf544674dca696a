/**
 * commander requires node:child_process when it loads, for executable subcommands this CLI does not have:
 * about 2.5 ms of every run's start-up. In the bundle it gets a stand-in that loads the module on first use.
 */
const LAZY = [{ builtin: /^(node:)?child_process$/, importer: /[\\/]node_modules[\\/]commander[\\/]/ }];
const PREFIX = '\0cts-lazy:';

/** Source of the stand-in for built-in `id`: a proxy that requires the module when a member is first read. */
export function lazyBuiltinModule(id) {
  const name = JSON.stringify(id.startsWith('node:') ? id : `node:${id}`);
  return [
    'let loaded;',
    `const load = () => (loaded ??= require(${name}));`,
    'module.exports = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });',
    '',
  ].join('\n');
}

/** Rollup-style plugin (rolldown): the LAZY built-ins, required by the matching packages, load on first use. */
export function lazyBuiltinsPlugin() {
  return {
    name: 'cts-lazy-builtins',
    resolveId(source, importer) {
      const lazy = importer && LAZY.some((l) => l.builtin.test(source) && l.importer.test(importer));
      return lazy ? `${PREFIX}${source}` : null;
    },
    load: (id) => (id.startsWith(PREFIX) ? lazyBuiltinModule(id.slice(PREFIX.length)) : null),
  };
}
