#!/usr/bin/env node
import module from 'node:module';

// Node >= 22.1 keeps the compiled bundle on disk, so later runs skip most of the start-up compile time.
try {
  module.enableCompileCache?.();
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
