/** Loader hooks for module-census.mjs (they run on the loader thread). */
import { appendFileSync } from 'node:fs';

let file;
export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (result.url.startsWith('file:')) appendFileSync(file, `${result.url}\n`);
  return result;
}
