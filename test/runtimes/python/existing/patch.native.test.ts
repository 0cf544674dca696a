import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectProject } from '../../../../src/runtimes/python/existing/detect.js';
import { diagnose } from '../../../../src/runtimes/python/existing/diagnose.js';
import { planChanges, type PatchInputs } from '../../../../src/runtimes/python/existing/patch.js';
import { renderTelemetryModule } from '../../../../src/runtimes/python/existing/telemetry-module.js';
import { fastapi } from '../../../../src/catalog/frameworks/fastapi.js';
import { addTracingPackages } from '../../../../src/catalog/frameworks/index.js';
import { parseServiceOptions } from '../../../../src/options/schema.js';
import { corePackages, otelLine } from '../../../../src/catalog/python-sets.js';
import { UsageError } from '../../../../src/core/errors.js';
import { scratchDir } from '../../../support/helpers.js';

const line = otelLine('1.45');
const options = parseServiceOptions({ serviceName: 'svc' });
const variant = { nativeTelemetry: true };

const inputs: PatchInputs = {
  renderTelemetry: (p) => renderTelemetryModule(options, p, 'main', variant),
  line,
  lineName: '1.45',
  wanted: [...corePackages(line, 'otlp-grpc'), ...addTracingPackages(fastapi, line, variant)],
  frameworkDistributions: ['fastapi'],
  optionsChanged: false,
  nativeTelemetry: true,
};

/** A one-module FastAPI project with `main.py`; returns the planned main.py and the second plan's changes. */
async function planTwice(main: string) {
  const dir = path.join(scratchDir('cts-patch-native-'), 'svc');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'requirements.txt'), 'fastapi==0.165.0\nuvicorn==0.54.0\n');
  writeFileSync(path.join(dir, 'main.py'), main);
  const first = planChanges(await detectProject(dir), inputs);
  for (const c of first.changes) writeFileSync(path.join(dir, c.path), c.after);
  const again = await detectProject(dir);
  const appChange = first.changes.find((c) => c.path === 'main.py')!;
  return { after: appChange.after, summary: appChange.summary, second: planChanges(again, inputs).changes, again };
}

const IMPORT = 'import otel_telemetry  # isort: skip\n';
const CALL = 'otel_telemetry.instrument_app(app)  # create-traced-service: right after construction\n';

describe("planChanges for FastAPI's own instrumentation: the telemetry= argument", () => {
  it('adds telemetry= to the construction and instrument_app() after it; the second run plans nothing', async () => {
    const { after, second, again } = await planTwice('from fastapi import FastAPI\n\napp = FastAPI(title="Shop")\n');
    expect(after).toBe(
      `${IMPORT}from fastapi import FastAPI\n\napp = FastAPI(title="Shop", telemetry=otel_telemetry.fastapi_telemetry())\n${CALL}`,
    );
    expect(second).toEqual([]);
    expect(again.selected!.instrumented).toBe(true);
    expect(diagnose(again).filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('an empty call, and a multi-line call ending in a comma and a comment', async () => {
    expect((await planTwice('import fastapi\napp = fastapi.FastAPI()\n')).after).toContain(
      'app = fastapi.FastAPI(telemetry=otel_telemetry.fastapi_telemetry())\n',
    );
    // A parenthesized last argument: the keyword goes after its closing parenthesis.
    expect((await planTwice('from fastapi import FastAPI\napp = FastAPI(title=("Shop"))\n')).after).toContain(
      'app = FastAPI(title=("Shop"), telemetry=otel_telemetry.fastapi_telemetry())\n',
    );
    // One argument per line: the keyword gets a line of its own, indented as they are; a comment stays
    // with its argument, and a trailing comma is kept in the same style.
    const multi = 'from fastapi.applications import FastAPI\napp = FastAPI(\n    title="Shop",  # shown in /docs\n)\n';
    const { after, second } = await planTwice(multi);
    expect(after).toContain(
      'app = FastAPI(\n    title="Shop",  # shown in /docs\n    telemetry=otel_telemetry.fastapi_telemetry(),\n)\n' +
        CALL,
    );
    expect(second).toEqual([]);
    const bare =
      'from fastapi import FastAPI\napp = FastAPI(\n        title="Shop",\n        version={"major": 1,\n    }  # v1\n)\n';
    const plain = await planTwice(bare);
    expect(plain.after).toContain(
      'app = FastAPI(\n        title="Shop",\n        version={"major": 1,\n    },  # v1\n        telemetry=otel_telemetry.fastapi_telemetry()\n)\n',
    );
    expect(plain.second).toEqual([]);
  });

  it("keeps the app's own telemetry= argument, passed through fastapi_telemetry(), and says so", async () => {
    const main = 'from fastapi import FastAPI\napp = FastAPI(telemetry={"operation_spans": True}, debug=True)\n';
    const { after, summary, second } = await planTwice(main);
    expect(after).toContain(
      'app = FastAPI(telemetry=otel_telemetry.fastapi_telemetry({"operation_spans": True}), debug=True)\n',
    );
    expect(summary.join('\n')).toMatch(/keeps the app's own telemetry= settings/);
    expect(second).toEqual([]);
  });

  it('`return FastAPI(...)`: wrapped in instrument_app(), with telemetry= inside', async () => {
    const main = 'from fastapi import FastAPI\n\n\ndef create_app():\n    return FastAPI(title="é")\n';
    const { after, second } = await planTwice(main);
    expect(after).toContain(
      '    return otel_telemetry.instrument_app(FastAPI(title="é", telemetry=otel_telemetry.fastapi_telemetry()))\n',
    );
    expect(second).toEqual([]);
  });

  it('a call passing **kwargs (which may hold telemetry=) is refused before anything is written', async () => {
    const main = 'from fastapi import FastAPI\nsettings = {}\napp = FastAPI(**settings)\n';
    await expect(planTwice(main)).rejects.toThrow(UsageError);
    await expect(planTwice(main)).rejects.toThrow(/main\.py:3 passes \*\*settings.*telemetry=.*nothing was changed/);
  });
});

describe('planChanges when the wiring would move back to FastAPIInstrumentor', () => {
  it('an app given telemetry=fastapi_telemetry() is refused, not left calling a function the module lost', async () => {
    const dir = path.join(scratchDir('cts-patch-native-'), 'svc');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'requirements.txt'), 'fastapi==0.141.1\n');
    writeFileSync(path.join(dir, 'main.py'), 'from fastapi import FastAPI\napp = FastAPI()\n');
    for (const c of planChanges(await detectProject(dir), inputs).changes)
      writeFileSync(path.join(dir, c.path), c.after);
    const older: PatchInputs = {
      ...inputs,
      renderTelemetry: (p) => renderTelemetryModule(options, p, 'main'),
      nativeTelemetry: false,
      optionsChanged: true,
    };
    const report = await detectProject(dir);
    expect(() => planChanges(report, older)).toThrow(UsageError);
    expect(() => planChanges(report, older)).toThrow(
      /main\.py:3 passes telemetry=otel_telemetry\.fastapi_telemetry\(\).*older than 0\.142.*nothing was changed/,
    );
  });
});
