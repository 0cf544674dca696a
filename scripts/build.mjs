/**
 * Builds dist/ with rolldown: the CLI and every runtime dependency bundled into CommonJS files (.cjs), the
 * templates precompiled into them (scripts/templates.mjs). CommonJS because the bin loads them through
 * bin/code-cache.cjs, which compiles each file with a V8 code cache made after a run (ES modules offer no
 * hook to compile with cached data). Each dynamic import() (a command, the installer, the smoke
 * test's receiver, the prompts) loads only when used, so a scaffold does not compile the gRPC stack it never
 * starts; and what a run loads comes in as few files as possible, because each file Node resolves, reads and
 * links costs start-up time:
 * - core: everything cli.js imports statically (commander, the option schema), which every run loads;
 * - create: what a scaffold loads on top of it (rendering, the templates, writing, the answers file);
 * - the other commands and what they share: rolldown's own chunks.
 * The live view's page (src/view/page, preact + htm) is a separate browser bundle in dist/view/, read from disk
 * by the view's server only: no chunk of the CLI imports it.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';
import { lazyBuiltinsPlugin } from './lazy-builtins.mjs';
import { templatesPlugin } from './templates.mjs';
import { zodSubsetPlugin } from './zod-subset.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// `--out-dir <dir>`: a build elsewhere than dist/ (the bench's unminified, instrumented copy).
const outArg = process.argv.indexOf('--out-dir');
const dist = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : path.join(root, 'dist');
const CLI = path.join(root, 'src', 'cli.ts');
const CREATE = path.join(root, 'src', 'commands', 'create.ts');

/** Sorts, once the module graph is known, what every run loads and what a scaffold loads on top of it. */
function scaffoldChunkPlugin(everyRun, scaffoldOnly) {
  return {
    name: 'cts-scaffold-chunk',
    buildEnd() {
      const staticClosure = (start) => {
        const seen = new Set();
        const todo = [start];
        while (todo.length > 0) {
          const id = todo.pop();
          if (seen.has(id)) continue;
          seen.add(id);
          todo.push(...(this.getModuleInfo(id)?.importedIds ?? []));
        }
        return seen;
      };
      everyRun.clear();
      for (const id of staticClosure(CLI)) everyRun.add(id);
      scaffoldOnly.clear();
      for (const id of staticClosure(CREATE)) if (!everyRun.has(id)) scaffoldOnly.add(id);
      if (scaffoldOnly.size === 0) this.error(`${CREATE} loads nothing of its own: is it still imported lazily?`);
    },
  };
}

await rm(dist, { recursive: true, force: true });
const everyRun = new Set();
const scaffoldOnly = new Set();
const bundle = await rolldown({
  cwd: root,
  input: { cli: CLI },
  platform: 'node',
  transform: { target: 'node20.19' },
  logLevel: 'warn',
  plugins: [
    lazyBuiltinsPlugin(),
    templatesPlugin({ dataDir: dist }),
    zodSubsetPlugin(path.join(root, 'src')),
    scaffoldChunkPlugin(everyRun, scaffoldOnly),
  ],
});
const { output } = await bundle.write({
  dir: dist,
  // A dynamic import() becomes a require() run only when reached; import.meta.url, __filename's URL.
  format: 'cjs',
  entryFileNames: '[name].cjs',
  // Smaller files compile faster; start-up is most of a scaffold's time.
  minify: !process.argv.includes('--no-minify'),
  comments: false,
  chunkFileNames: '[name]-[hash].cjs',
  codeSplitting: {
    groups: [
      { name: 'core', test: (id) => everyRun.has(id) },
      { name: 'create', test: (id) => scaffoldOnly.has(id) },
    ],
  },
});
await bundle.close();

/** The page of `view` and `dev`: one script for the browser, and its style sheet beside it. */
async function buildPage() {
  const pageDir = path.join(root, 'src', 'view', 'page');
  const page = await rolldown({
    cwd: root,
    input: path.join(pageDir, 'main.ts'),
    platform: 'browser',
    transform: { target: 'es2020' },
    logLevel: 'warn',
  });
  await page.write({
    file: path.join(dist, 'view', 'page.js'),
    format: 'esm',
    minify: !process.argv.includes('--no-minify'),
    comments: false,
    codeSplitting: false,
  });
  await page.close();
  mkdirSync(path.join(dist, 'view'), { recursive: true });
  copyFileSync(path.join(pageDir, 'page.css'), path.join(dist, 'view', 'page.css'));
}
await buildPage();
// `--report <file>`: each file of dist/ with its size and the modules in it (for size work).
const reportArg = process.argv.indexOf('--report');
if (reportArg > 0) {
  const chunks = output.filter((o) => o.type === 'chunk');
  const report = chunks.map((c) => ({
    file: c.fileName,
    bytes: c.code.length,
    imports: c.imports,
    modules: c.moduleIds,
  }));
  writeFileSync(process.argv[reportArg + 1], JSON.stringify(report, null, 2));
}
