import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { otelLine } from '../../../../src/catalog/python-sets.js';
import { UsageError } from '../../../../src/core/errors.js';
import { parseServiceOptions } from '../../../../src/options/schema.js';
import { detectProject } from '../../../../src/runtimes/python/existing/detect.js';
import { pinnedVersions } from '../../../../src/runtimes/python/existing/otel-choice.js';
import { renderTelemetryModule } from '../../../../src/runtimes/python/existing/telemetry-module.js';
import { frameworkWiring } from '../../../../src/runtimes/python/existing/wiring.js';
import { scratchDir } from '../../../support/helpers.js';

const placement = { path: 'telemetry.py', importLine: 'import telemetry', module: 'telemetry' };
const options = parseServiceOptions({ serviceName: 'svc', framework: 'starlette' });

/** The telemetry module planned for a Starlette project whose dependency file says `requirement`. */
async function planned(requirement: string): Promise<string> {
  const dir = scratchDir('cts-wiring-');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'requirements.txt'), `${requirement}\nuvicorn\n`);
  writeFileSync(path.join(dir, 'main.py'), 'from starlette.applications import Starlette\napp = Starlette()\n');
  const report = await detectProject(dir);
  const pins = pinnedVersions(['starlette'], report.dependencyFiles, []);
  const wiring = frameworkWiring(report, options, otelLine('1.45'), pins);
  return renderTelemetryModule(options, placement, 'main', wiring.variant);
}

describe('the Starlette wiring fits the release the project pins', () => {
  it('Starlette 0.35 and later: the middleware options are Middleware.kwargs', async () => {
    const text = await planned('starlette==0.36.3');
    expect(text).toContain('middleware[0].kwargs.update(excluded_urls=EXCLUDED_URLS');
    expect(text).not.toContain('.options.update');
  });

  it('Starlette 0.33 (Middleware has no kwargs): Middleware.options, named in a comment', async () => {
    const text = await planned('starlette==0.33.0');
    expect(text).toContain('middleware[0].options.update(excluded_urls=EXCLUDED_URLS');
    expect(text).toContain('Starlette 0.33.0 keeps');
    expect(text).not.toContain('.kwargs.update');
    expect(text).not.toContain('build_middleware_stack');
  });

  it('Starlette before 0.24 (eager middleware stack): the stack is built again after the change', async () => {
    const text = await planned('starlette==0.20.4');
    expect(text).toContain('middleware[0].options.update(');
    expect(text).toMatch(/\n {8}app\.middleware_stack = app\.build_middleware_stack\(\)\n/);
  });

  it('a range only sets a floor: the newest release gets installed, so the current wiring', async () => {
    expect(await planned('starlette>=0.20')).toContain('middleware[0].kwargs.update(');
  });

  it('Starlette before 0.16 is refused with the reason and the fix, before anything is written', async () => {
    const refusal = planned('starlette==0.14.2');
    await expect(refusal).rejects.toThrow(UsageError);
    await expect(refusal).rejects.toThrow(
      /starlette 0\.14\.2 \(requirements\.txt:1\) cannot be traced: its lifespan is an async generator.*raise starlette to 0\.16 or later — nothing was changed/,
    );
  });
});
