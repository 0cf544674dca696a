/**
 * What the memory of each overhead mode is made of at start-up: bench/lib/rss_census.py imports the app's
 * entry module in the mode's variant, venv and environment (under the zero-code wrapper where the mode uses
 * it), once for RSS and the modules loaded, once more under PYTHONTRACEMALLOC=1 for the bytes Python
 * allocated per package (tracing allocations inflates RSS, so the two are separate processes).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCmd } from './run-cmd.mjs';
import { serviceEnv } from './service.mjs';

const CENSUS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rss_census.py');

/** The modes whose imports differ (ratio10 and noexport load what `ours` loads). */
const CENSUS_MODES = ['plain', 'off', 'ours', 'grpc', 'http', 'zero', 'zerohttp'];

/** The module each framework's server imports first (Django's WSGI entry point builds the handler). */
const ENTRY = { django: 'config.wsgi' };

async function censusOf(setupOf, target, mode, traceMalloc) {
  // A closed port: the census must not export anything.
  const where = setupOf(target, mode, 'http://127.0.0.1:9');
  const env = serviceEnv(where.venv, { ...where.env, ...(traceMalloc ? { PYTHONTRACEMALLOC: '1' } : {}) });
  const argv = [...where.wrapper, 'python', CENSUS, ENTRY[target.frameworkName] ?? 'app.main'];
  const { stdout } = await runCmd(argv[0], argv.slice(1), { cwd: where.dir, env, timeoutMs: 60_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

/**
 * { <target>: { <mode>: { rssKiB, modules, modulesByGroup, allocatedBytes, allocatedBytesByGroup } } };
 * `setupOf(target, mode, endpoint)` gives a mode's { dir, venv, wrapper, frameworkName, env }.
 */
export async function memoryCensus(plan, setupOf, log) {
  const out = {};
  for (const { target, modes } of plan) {
    out[target.name] = {};
    for (const mode of modes.filter((m) => CENSUS_MODES.includes(m.id))) {
      try {
        const plain = await censusOf(setupOf, target, mode, false);
        const traced = await censusOf(setupOf, target, mode, true);
        out[target.name][mode.id] = {
          ...plain,
          allocatedBytes: traced.allocatedBytes,
          allocatedBytesByGroup: traced.allocatedBytesByGroup,
        };
        log(
          `    ${`${target.name}:${mode.id}`.padEnd(18)} RSS ${(plain.rssKiB / 1024).toFixed(1)} MiB  ${plain.modules} modules  ` +
            `Python allocations ${(traced.allocatedBytes / 1048576).toFixed(1)} MiB`,
        );
      } catch (err) {
        out[target.name][mode.id] = { error: String(err.message).split('\n')[0] };
        log(`    ${target.name}:${mode.id}: ${String(err.message).split('\n').slice(0, 3).join(' ')}`);
      }
    }
  }
  return out;
}
