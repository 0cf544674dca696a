#!/usr/bin/env node
// The bundle takes Node's built-ins from process.getBuiltinModule (Node >= 20.16): older Nodes get one line.
if (typeof process.getBuiltinModule !== 'function') {
  process.stderr.write(`create-traced-service: needs Node ^20.19 or >= 22.12, this is ${process.version}\n`);
  process.exit(1);
}

// Node >= 22.1 keeps the compiled bundle on disk, so later runs skip most of the start-up compile time.
try {
  process.getBuiltinModule('node:module').enableCompileCache?.();
} catch {
  // a cache directory that cannot be written only costs speed
}

const { main } = await import('../dist/cli.js');

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`create-traced-service: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
