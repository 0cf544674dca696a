/** Where the bench lives, the repository it measures and its scratch directory: a leaf every bench module may import. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const ROOT = path.dirname(BENCH_DIR);
export const WORK = process.env.BENCH_WORK_DIR
  ? path.resolve(process.env.BENCH_WORK_DIR)
  : path.join(BENCH_DIR, '.work');
export const CLI_BIN = path.join(ROOT, 'bin', 'create-traced-service.js');
