/**
 * The CLI's own modules the bench drives directly (framework descriptors, the OTLP receiver). dist/ is a
 * bundle that exports none of them, so build() bundles these entry points from src/ into .work/internals/.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { rolldown } from 'rolldown';
import { ROOT, WORK } from './paths.mjs';

const ENTRIES = { frameworks: 'src/catalog/frameworks/index.ts', receiver: 'src/receiver/index.ts' };
const OUT = path.join(WORK, 'internals');

export async function buildInternals() {
  const bundle = await rolldown({
    cwd: ROOT,
    input: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, path.join(ROOT, file)])),
    platform: 'node',
    logLevel: 'warn',
  });
  await bundle.write({ dir: OUT, format: 'esm', entryFileNames: '[name].js' });
  await bundle.close();
}

/** import() of one of ENTRIES, as built by buildInternals(). */
export function importInternal(name) {
  return import(pathToFileURL(path.join(OUT, `${name}.js`)).href);
}
