/**
 * The CLI's own modules the bench drives directly (framework descriptors, the OTLP receiver). dist/ is a
 * bundle that exports none of them, so build() bundles these entry points from src/ into .work/internals/.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ROOT, WORK } from './workspace.mjs';

const ENTRIES = { frameworks: 'src/frameworks/index.ts', receiver: 'src/receiver/index.ts' };
const OUT = path.join(WORK, 'internals');

export async function buildInternals() {
  await build({
    absWorkingDir: ROOT,
    entryPoints: ENTRIES,
    outdir: OUT,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __ctsRequire } from 'node:module';\nconst require = __ctsRequire(import.meta.url);",
    },
  });
}

/** import() of one of ENTRIES, as built by buildInternals(). */
export function importInternal(name) {
  return import(pathToFileURL(path.join(OUT, `${name}.js`)).href);
}
