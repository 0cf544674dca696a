/**
 * Part 0: the quick start. Wall time of `create-traced-service my-svc --yes` from spawn to exit with a
 * passed smoke test: render + write, install into a new .venv, start the service, send requests, SIGTERM,
 * check. The --json report gives the phases. Measured cold (a new user: empty pip, uv and tool caches,
 * no uv on PATH) with pip and with the default `--installer auto` (a private uv obtained through pip),
 * then warm for each installer.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { median, min } from '../lib/stats.mjs';
import { CLI_BIN, WORK } from '../lib/paths.mjs';

const GOAL_MS = 15_000;

function createOnce(dir, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI_BIN, path.basename(dir), '--yes', '--json'], {
      cwd: path.dirname(dir),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - started;
      let result;
      try {
        result = JSON.parse(out);
      } catch {
        return reject(new Error(`quickstart: no JSON from the CLI (exit ${code}):\n${err.slice(-2000)}`));
      }
      if (code !== 0 || !result.ok)
        return reject(new Error(`quickstart: the run failed (exit ${code}):\n${err.slice(-2000)}`));
      resolve({
        wallMs,
        installMs: result.pipeline.install.durationMs,
        smokeMs: result.pipeline.smoke.durationMs,
        installer: result.pipeline.install.installer,
      });
    });
  });
}

async function measure(installer, env, reps, root, log) {
  // The first run fills the package cache ("with the package cache warm"); it is reported, not counted.
  const warmup = await createOnce(path.join(root, `${installer}-warmup`), env);
  log(`  ${installer}: warm-up (fills the cache) ${(warmup.wallMs / 1000).toFixed(1)} s`);
  const runs = [];
  for (let i = 0; i < reps; i++) {
    const run = await createOnce(path.join(root, `${installer}-my-svc-${i}`), env);
    runs.push(run);
    log(
      `  ${installer}: run ${i + 1}: ${(run.wallMs / 1000).toFixed(2)} s (install ${(run.installMs / 1000).toFixed(2)} s, smoke ${(run.smokeMs / 1000).toFixed(2)} s)`,
    );
  }
  return {
    installer,
    warmupMs: warmup.wallMs,
    runs,
    median: {
      wallMs: median(runs.map((r) => r.wallMs)),
      installMs: median(runs.map((r) => r.installMs)),
      smokeMs: median(runs.map((r) => r.smokeMs)),
    },
    min: { wallMs: min(runs.map((r) => r.wallMs)) },
  };
}

/** PATH without any directory holding a uv, as on a machine that never installed it. */
function pathWithoutUv(p = process.env.PATH ?? '') {
  return p
    .split(path.delimiter)
    .filter((d) => d && !existsSync(path.join(d, 'uv')))
    .join(path.delimiter);
}

/**
 * A new user's first run and their second: empty caches (pip's, uv's, and the CLI's own, where the
 * private uv goes), no uv on PATH. `pip` is what such a user got before `--installer auto`.
 */
async function measureCold(name, extraEnv, root, log) {
  const cache = path.join(root, `cache-${name}`);
  const env = {
    ...process.env,
    NO_COLOR: '1',
    ...extraEnv,
    PATH: pathWithoutUv(),
    XDG_CACHE_HOME: cache,
    PIP_CACHE_DIR: path.join(cache, 'pip'),
    UV_CACHE_DIR: path.join(cache, 'uv'),
  };
  delete env.CTS_CACHE_DIR;
  const cold = await createOnce(path.join(root, `cold-${name}`), env);
  log(
    `  cold, ${name}: ${(cold.wallMs / 1000).toFixed(1)} s (install ${(cold.installMs / 1000).toFixed(1)} s with ${cold.installer})`,
  );
  const second = await createOnce(path.join(root, `cold-${name}-again`), env);
  log(`  cold, ${name}, second run: ${(second.wallMs / 1000).toFixed(1)} s`);
  return { name, cold, second };
}

export async function runQuickstart({ reps = 3 } = {}, log) {
  const root = path.join(WORK, 'quickstart');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const coldRuns = [
    await measureCold('pip', { CTS_INSTALLER: 'pip' }, root, log),
    await measureCold('auto', {}, root, log),
  ];
  const base = { ...process.env, NO_COLOR: '1' };
  // auto: uv from PATH, or the CLI's private uv in the user's cache (installed on first use).
  const byInstaller = [
    await measure('pip', { ...base, CTS_INSTALLER: 'pip' }, reps, root, log),
    await measure('auto', base, reps, root, log),
  ];
  rmSync(root, { recursive: true, force: true });
  const worst = Math.max(...byInstaller.map((m) => m.median.wallMs));
  const [pip, auto] = coldRuns;
  return {
    config: { reps },
    coldRuns,
    byInstaller,
    goal: {
      target: `create-traced-service my-svc --yes to a passed smoke test < ${GOAL_MS / 1000} s (warm cache)`,
      met: worst < GOAL_MS,
      wallMs: worst,
    },
    coldGoal: {
      target: 'cold quick start (empty caches, no uv) ≤ ½ of the cold pip one',
      ratio: auto.cold.wallMs / pip.cold.wallMs,
      met: auto.cold.wallMs <= pip.cold.wallMs / 2,
    },
  };
}
