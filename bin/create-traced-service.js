#!/usr/bin/env node
// This file takes node:module from process.getBuiltinModule (Node >= 20.16): older Nodes get one line.
if (typeof process.getBuiltinModule !== 'function') {
  process.stderr.write(`create-traced-service: needs Node ^20.19 or >= 22.12, this is ${process.version}\n`);
  process.exit(1);
}

// The bundle is CommonJS, loaded with a code cache that later runs compile from (see code-cache.cjs).
const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);
const { requireWithCodeCache } = require('./code-cache.cjs');
const { main } = requireWithCodeCache(require.resolve('../dist/cli.cjs'));

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`create-traced-service: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
