/**
 * CPU per exported span of each OTLP transport, the exporter alone: bench/lib/export_cost.py exports the same
 * batch of real spans from the generated FastAPI app to the bench's receiver through the gRPC and the
 * OTLP/HTTP protobuf exporter, rounds interleaved. Measured as the CPU time of that one process, so it
 * leaves out the request path and is less exposed to other work on the machine than the load runs.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from './collectors.mjs';
import { runCmd } from './run-cmd.mjs';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'export_cost.py');

export async function exportCost(ws, { batch = 512, rounds = 15 } = {}) {
  const collector = await startCollector('up');
  try {
    const { stdout } = await runCmd(
      path.join(ws.venv, 'bin', 'python'),
      [SCRIPT, collector.endpoint, collector.httpEndpoint, String(batch), String(rounds)],
      { cwd: ws.variants.batch, timeoutMs: 180_000 },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1));
  } catch (err) {
    return { error: String(err.message).split('\n').slice(0, 3).join(' ') };
  } finally {
    await collector.close();
  }
}
