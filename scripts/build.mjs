/**
 * Builds dist/cli.js: the CLI and every runtime dependency in one ES module, with the templates
 * precompiled into it (scripts/templates.mjs), so that running the CLI reads no other JavaScript file.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { TEMPLATES_DIR, TEMPLATES_MODULE_ID, templatesModule } from './templates.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

const templatesPlugin = {
  name: 'cts-templates',
  setup(b) {
    b.onResolve({ filter: /^virtual:cts-templates$/ }, () => ({ path: TEMPLATES_MODULE_ID, namespace: 'cts-templates' }));
    b.onLoad({ filter: /.*/, namespace: 'cts-templates' }, () => {
      const { code, files } = templatesModule();
      return { contents: code, loader: 'js', resolveDir: root, watchFiles: files, watchDirs: [TEMPLATES_DIR] };
    });
  },
};

rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Dependencies written as CommonJS call require() for Node's own modules.
  banner: { js: "import { createRequire as __ctsRequire } from 'node:module';\nconst require = __ctsRequire(import.meta.url);" },
  plugins: [templatesPlugin],
});
