/** Where the package's own files are: its root, its templates, its version; and the answers file's name. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import TEMPLATES_FINGERPRINT from 'virtual:cts-templates-fingerprint';

/** Package root: the nearest folder above this module with a package.json (from dist/ or from src/core/ in tests). */
function packageRoot(from: string): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
export const PACKAGE_ROOT = packageRoot(path.dirname(fileURLToPath(import.meta.url)));
export const TEMPLATES_DIR = path.join(PACKAGE_ROOT, 'templates');

let version: string | undefined;
export function cliVersion(): string {
  version ??= (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
  return version;
}

/** The fingerprint of the templates this CLI renders (see scripts/templates.mjs); answers files record it. */
export function templatesFingerprint(): string {
  return TEMPLATES_FINGERPRINT;
}

/** The file in a generated project that records how it was generated. */
export const ANSWERS_FILE = '.create-traced-service.json';
