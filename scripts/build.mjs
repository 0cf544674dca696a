/**
 * Builds dist/: the CLI and every runtime dependency bundled into ES modules, the templates precompiled
 * into them (scripts/templates.mjs). dist/cli.js holds what every run needs; each dynamic import()
 * (a command, the installer, the smoke test's receiver, the prompts) becomes a chunk beside it that
 * loads only when used, so a scaffold does not compile the gRPC stack it never starts.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { TEMPLATES_DIR, TEMPLATES_MODULE_ID, templatesModule } from './templates.mjs';
import { zodSubsetPlugin } from './zod-subset.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

const templatesPlugin = {
  name: 'cts-templates',
  setup(b) {
    b.onResolve({ filter: /^virtual:cts-templates$/ }, () => ({
      path: TEMPLATES_MODULE_ID,
      namespace: 'cts-templates',
    }));
    b.onLoad({ filter: /.*/, namespace: 'cts-templates' }, () => {
      const { code, files } = templatesModule(TEMPLATES_DIR, { dataDir: path.join(root, 'dist') });
      return { contents: code, loader: 'js', resolveDir: root, watchFiles: files, watchDirs: [TEMPLATES_DIR] };
    });
  },
};

rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true });
// `--metafile <file>` writes esbuild's account of what went into the bundle (for size work).
const metafileArg = process.argv.indexOf('--metafile');
const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  splitting: true,
  chunkNames: '[name]-[hash]',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Smaller files compile faster; start-up is most of a scaffold's time.
  minify: !process.argv.includes('--no-minify'),
  keepNames: false,
  legalComments: 'none',
  logLevel: 'warning',
  // Dependencies written as CommonJS call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __ctsRequire } from 'node:module';\nconst require = __ctsRequire(import.meta.url);",
  },
  plugins: [templatesPlugin, zodSubsetPlugin(path.join(root, 'src'))],
  metafile: metafileArg > 0,
});
if (metafileArg > 0) writeFileSync(process.argv[metafileArg + 1], JSON.stringify(result.metafile));
