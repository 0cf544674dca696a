/**
 * Part 0: the quick start. Wall time of `create-traced-service my-svc --yes` from spawn to exit with a
 * passed smoke test: render + write, install into a new .venv (uv when on PATH, with its cache warm after
 * the first run), start the service, send requests, SIGTERM, check. The --json report gives the phases.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { median, min } from '../lib/stats.mjs';
import { CLI_BIN, WORK } from '../lib/workspace.mjs';

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
      if (code !== 0 || !result.ok) return reject(new Error(`quickstart: the run failed (exit ${code}):\n${err.slice(-2000)}`));
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
    log(`  ${installer}: run ${i + 1}: ${(run.wallMs / 1000).toFixed(2)} s (install ${(run.installMs / 1000).toFixed(2)} s, smoke ${(run.smokeMs / 1000).toFixed(2)} s)`);
  }
  return {
    installer,
    warmupMs: warmup.wallMs,
    runs,
    median: { wallMs: median(runs.map((r) => r.wallMs)), installMs: median(runs.map((r) => r.installMs)), smokeMs: median(runs.map((r) => r.smokeMs)) },
    min: { wallMs: min(runs.map((r) => r.wallMs)) },
  };
}

/** Both installers the CLI uses: pip always, uv when it is on PATH (the CLI prefers it). */
export async function runQuickstart({ reps = 3 } = {}, log) {
  const root = path.join(WORK, 'quickstart');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const base = { ...process.env, NO_COLOR: '1' };
  const hasUv = spawnSync('uv', ['--version']).status === 0;
  const byInstaller = [await measure('pip', { ...base, CTS_INSTALLER: 'pip' }, reps, root, log)];
  if (hasUv) byInstaller.push(await measure('uv', base, reps, root, log));
  else log('  uv is not on PATH: only pip measured');
  rmSync(root, { recursive: true, force: true });
  const worst = Math.max(...byInstaller.map((m) => m.median.wallMs));
  return {
    config: { reps },
    byInstaller,
    goal: { target: `create-traced-service my-svc --yes to a passed smoke test < ${GOAL_MS / 1000} s (warm cache)`, met: worst < GOAL_MS, wallMs: worst },
  };
}
