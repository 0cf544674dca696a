/** Writes add-tracing's planned FastAPI wiring (OpenTelemetry 1.45) into a project, without installing or running it. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fastapi } from '../../src/catalog/frameworks/fastapi.js';
import { addTracingPackages } from '../../src/catalog/frameworks/index.js';
import { corePackages, otelLine } from '../../src/catalog/python-sets.js';
import { parseServiceOptions } from '../../src/options/schema.js';
import { detectProject } from '../../src/runtimes/python/existing/detect.js';
import { planChanges } from '../../src/runtimes/python/existing/patch.js';
import { renderTelemetryModule } from '../../src/runtimes/python/existing/telemetry-module.js';

export async function writeFastapiWiring(dir: string): Promise<void> {
  const line = otelLine('1.45');
  const options = parseServiceOptions({ serviceName: 'svc' });
  const planned = planChanges(await detectProject(dir), {
    renderTelemetry: (p) => renderTelemetryModule(options, p, 'main'),
    line,
    lineName: '1.45',
    wanted: [...corePackages(line, 'otlp-grpc'), ...addTracingPackages(fastapi, line)],
    frameworkDistributions: ['fastapi'],
    optionsChanged: false,
  });
  for (const c of planned.changes) writeFileSync(path.join(dir, c.path), c.after);
}
