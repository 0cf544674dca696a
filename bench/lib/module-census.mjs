/**
 * Preload (`node --import ./bench/lib/module-census.mjs ...`) that records every module file a Node
 * process loads: ES modules through a resolve hook, CommonJS ones from require.cache at exit.
 * The list goes to the file named by $BENCH_MODULE_CENSUS, one URL or path a line.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.BENCH_MODULE_CENSUS;
if (file) {
  writeFileSync(file, '');
  register('./module-census-hooks.mjs', import.meta.url, { data: { file } });
  process.on('exit', () => {
    const cache = createRequire(import.meta.url).cache;
    appendFileSync(
      file,
      Object.keys(cache)
        .map((p) => `${p}\n`)
        .join(''),
    );
  });
}
