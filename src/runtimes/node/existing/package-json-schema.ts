/**
 * package.json as input: bounded in nesting before it is parsed, and the fields the analysis reads checked
 * for their types, so a hostile one is refused in one line instead of crashing a later step.
 */
import { z } from 'zod';
import { nestingDepth } from '../../../core/json-depth.js';

/** npm itself nests a few levels (overrides); far deeper is not a package manifest. */
export const MAX_PACKAGE_JSON_DEPTH = 64;

const strings = z.record(z.string(), z.string());
const schema = z
  .object({
    name: z.string(),
    type: z.string(),
    main: z.string(),
    packageManager: z.string(),
    scripts: strings,
    dependencies: strings,
    devDependencies: strings,
    optionalDependencies: strings,
    peerDependencies: strings,
  })
  .partial()
  .passthrough();

/** The fields of package.json the analysis reads. */
export interface PackageJson {
  name?: string;
  type?: string;
  main?: string;
  packageManager?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** The parsed manifest; an Error saying what is wrong (the caller names the file). */
export function parsePackageJson(text: string): PackageJson {
  if (nestingDepth(text) > MAX_PACKAGE_JSON_DEPTH)
    throw new Error(`nests deeper than ${MAX_PACKAGE_JSON_DEPTH} levels`);
  // A byte-order mark (some Windows editors write one) is kept in the text; JSON.parse does not accept it.
  const data: unknown = JSON.parse(text.replace(/^\uFEFF/, ''));
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error('not a JSON object');
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const got = issue.path.reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k as string], data);
    const shown = JSON.stringify(got)?.slice(0, 40) ?? String(got);
    throw new Error(`"${issue.path.join('.')}" must be a string, got ${shown}`);
  }
  // The very object parsed (key order and every field kept): package-json.ts edits its text, not this.
  return data as PackageJson;
}
