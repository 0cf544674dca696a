/**
 * Part 5: where a traced request's CPU goes. py-spy (from PyPI, into .work/pyspy) samples the generated
 * service while it serves the bench route at the collector part's paced rate with the collector up; the
 * samples are folded by bench/lib/profile_classify.py into the roles of the OpenTelemetry code (ASGI
 * middleware, span objects, context, queue, the export thread's encoding and sending) and the rest.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from '../lib/collectors.mjs';
import { runLoad } from '../lib/load.mjs';
import { spawnGroup } from '../lib/proc.mjs';
import { runCmd } from '../lib/run-cmd.mjs';
import { startService } from '../lib/service.mjs';
import { WORK } from '../lib/paths.mjs';
import { toolEnv } from '../lib/workspace.mjs';
import { commonEnv, TRACES_ONLY } from './overhead.mjs';

const CLASSIFY = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'profile_classify.py');
const PY_SPY_SPEC = 'py-spy==0.4.1';

async function ensurePySpy(ws, log) {
  const venv = path.join(WORK, 'pyspy');
  const bin = path.join(venv, 'bin', 'py-spy');
  if (existsSync(bin)) return bin;
  log(`installing ${PY_SPY_SPEC} into .work/pyspy`);
  const { env, uv } = await toolEnv();
  const python = path.join(ws.venv, 'bin', 'python');
  if (uv) {
    await runCmd(uv, ['venv', '--quiet', '--python', python, venv], { env });
    await runCmd(uv, ['pip', 'install', '--quiet', '--python', path.join(venv, 'bin', 'python'), PY_SPY_SPEC], {
      env,
      timeoutMs: 300_000,
    });
  } else {
    await runCmd(python, ['-m', 'venv', venv], { env });
    await runCmd(path.join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', PY_SPY_SPEC], {
      env,
      timeoutMs: 300_000,
    });
  }
  return bin;
}

export async function runProfile(ws, { rate = 400, durationSec = 20, sampleHz = 400 } = {}, log = console.log) {
  const pySpy = await ensurePySpy(ws, log);
  const out = path.join(WORK, 'logs', `profile-${process.pid}.txt`);
  rmSync(out, { force: true });
  const collector = await startCollector('up');
  let svc;
  let spy;
  try {
    svc = await startService({
      dir: ws.variants.batch,
      venv: ws.venv,
      label: 'profile',
      // Traces only, as part 2's "our wiring" row whose overhead the profile splits.
      env: commonEnv(ws, collector.endpoint, { OTEL_SERVICE_NAME: 'bench-profile', ...TRACES_ONLY }),
    });
    const url = `${svc.base}/bench/12345`;
    await runLoad({ url, paced: true, rate, maxSockets: 64, durationSec: 2 });
    // --nonblocking: sampling must not pause the service; the main process is the group leader.
    spy = spawnGroup(
      [
        pySpy,
        'record',
        '--pid',
        String(svc.pgid),
        '--full-filenames',
        '--nonblocking',
        '-r',
        String(sampleHz),
        '-d',
        String(durationSec),
        '-f',
        'raw',
        '-o',
        out,
      ],
      {
        cwd: WORK,
        env: process.env,
        logFile: path.join(WORK, 'logs', 'py-spy.log'),
      },
    );
    const load = await runLoad({ url, paced: true, rate, maxSockets: 64, durationSec });
    await spy.waitExit((durationSec + 30) * 1000);
    if (!existsSync(out))
      throw new Error(
        `py-spy wrote no profile: ${readFileSync(path.join(WORK, 'logs', 'py-spy.log'), 'utf8').slice(-500)}`,
      );
    const { stdout } = await runCmd('python3', [CLASSIFY, out], { cwd: WORK });
    const folded = JSON.parse(stdout);
    const tracing = folded.categories
      .filter(([name]) => !name.startsWith('not tracing'))
      .reduce((a, [, n]) => a + n, 0);
    log(
      `  ${folded.samples} samples at ${rate} requests/s (${load.requests2xx} answered); OpenTelemetry ${((100 * tracing) / folded.samples).toFixed(1)} %`,
    );
    for (const [name, n] of folded.categories)
      log(`    ${((100 * n) / folded.samples).toFixed(1).padStart(5)} %  ${name}`);
    return {
      config: { rate, durationSec, sampleHz, pySpy: PY_SPY_SPEC, tracesOnly: true },
      requests: load.requests2xx,
      ...folded,
      tracingShare: tracing / folded.samples,
      goal: { target: 'profile of a traced request (reported, no threshold)', met: true },
    };
  } finally {
    await spy?.dispose();
    if (svc) await svc.dispose();
    await collector.close();
  }
}
