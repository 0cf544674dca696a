/**
 * The telemetry contract and the secret check, end to end on a generated FastAPI and Express service:
 * `smoke --record` writes telemetry-contract.json; a renamed child span, a dropped http.route and an id in
 * the server span name each fail `smoke` with a diff naming it; `--update` accepts a rename (never an id);
 * a service whose redaction is undone fails the secret check.
 */
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendToMain, e2eHarness, type SmokeJson } from '../support/harness.js';
import { runCli } from '../support/helpers.js';

const CONTRACT = 'telemetry-contract.json';

async function smoke(dir: string, ...args: (string | NodeJS.ProcessEnv)[]) {
  const env = args.find((a): a is NodeJS.ProcessEnv => typeof a === 'object') ?? {};
  const flags = args.filter((a): a is string => typeof a === 'string');
  const r = await runCli(['smoke', dir, '--json', ...flags], { cwd: path.dirname(dir), env, timeoutMs: 240_000 });
  const result = JSON.parse(r.stdout) as { ok: boolean; smoke: SmokeJson };
  const contract = Object.fromEntries(
    result.smoke.checks
      .filter((c) => c.name.startsWith('contract') || c.name.includes('contract'))
      .map((c) => [c.name, c]),
  );
  return { code: r.code, report: result.smoke, contract };
}

const failed = (checks: Record<string, { ok: boolean; detail: string }>) =>
  Object.entries(checks)
    .filter(([, c]) => !c.ok)
    .map(([name, c]) => `${name}: ${c.detail}`);

/** The suite for one framework: how to copy its project and how to break it each way. */
interface ContractCase {
  framework?: string;
  sampleRoute: string;
  copy: (base: string, dir: string) => void;
  renameChild: (dir: string) => void;
  dropRoute: (dir: string) => void;
  idInName: (dir: string) => void;
  leakSecret: (dir: string) => void;
  serverSpan: string;
}

function edit(dir: string, file: string, change: (text: string) => string) {
  const target = path.join(dir, file);
  const before = readFileSync(target, 'utf8');
  const after = change(before);
  expect(after).not.toBe(before);
  writeFileSync(target, after);
}

function contractSuite(name: string, c: ContractCase) {
  describe(`the telemetry contract of a generated ${name} service`, () => {
    const harness = e2eHarness({
      ...(c.framework ? { framework: c.framework } : {}),
      rootPrefix: `cts-contract-${name}-`,
    });
    let base = '';
    const copyOf = (label: string, mutate: (dir: string) => void) => {
      const dir = path.join(harness.root, `copy-${label}`);
      c.copy(base, dir);
      mutate(dir);
      return dir;
    };

    beforeAll(async () => {
      const generated = await harness.generate('otlp-grpc');
      expect(generated.code, generated.stderr).toBe(0);
      base = harness.projects['otlp-grpc']!;
    }, 600_000);

    it('--record writes the shape, and the next run passes against it; the generated service keeps the secret out', async () => {
      const recorded = await smoke(base, '--record');
      expect(failed(recorded.contract)).toEqual([]);
      expect(recorded.report.checks.find((x) => x.name === 'no secret in the telemetry')?.ok).toBe(true);
      const contract = JSON.parse(readFileSync(path.join(base, CONTRACT), 'utf8'));
      expect(contract.routes[0]).toMatchObject({
        method: 'GET',
        path: c.sampleRoute,
        status: 200,
        server: { name: c.serverSpan, kind: 'SERVER', attributes: expect.arrayContaining(['http.route']) },
        children: [{ name: 'process_item_logic', kind: 'INTERNAL' }],
      });
      expect(contract.metrics.map((m: { name: string }) => m.name)).toContain('http.server.request.duration');
      const junit = path.join(harness.root, 'junit.xml');
      const summary = path.join(harness.root, 'summary.md');
      writeFileSync(summary, '');
      const again = await smoke(base, { GITHUB_STEP_SUMMARY: summary }, '--junit', junit);
      expect(again.code).toBe(0);
      // The checks as CI shows them: JUnit test cases, and GitHub's job summary.
      const xml = readFileSync(junit, 'utf8');
      expect(xml).toContain('<testcase classname="shop &quot;otlp-grpc&quot;"');
      expect(xml).toContain(`name="contract: GET ${c.sampleRoute}"`);
      expect(xml).not.toContain('<failure');
      expect(readFileSync(summary, 'utf8')).toMatch(/^### ✔ Telemetry smoke test of shop/);
      expect(Object.keys(again.contract)).toEqual(
        expect.arrayContaining([`contract: GET ${c.sampleRoute}`, 'contract: resource', 'contract: metrics']),
      );
    });

    it('a renamed child span fails with a diff naming it; --update accepts it', async () => {
      const dir = copyOf('rename', c.renameChild);
      const broken = await smoke(dir);
      expect(broken.code).toBe(1);
      expect(failed(broken.contract)).toEqual([
        `contract: GET ${c.sampleRoute}: child span renamed "process_item_logic" (INTERNAL) → "process_item_work" (INTERNAL)`,
      ]);
      const updated = await smoke(dir, '--update');
      expect(updated.contract['telemetry contract recorded']?.detail).toContain('accepted');
      const after = await smoke(dir);
      expect(failed(after.contract)).toEqual([]);
    });

    it('a dropped http.route fails with a diff naming it', async () => {
      const broken = await smoke(copyOf('no-route', c.dropRoute));
      expect(broken.code).toBe(1);
      expect(failed(broken.contract).join('\n')).toContain('server span lost attribute');
      expect(failed(broken.contract).join('\n')).toMatch(/lost attributes? [^\n]*http\.route/);
    });

    it('an id in the server span name fails, and --update does not accept it', async () => {
      const dir = copyOf('id-in-name', c.idInName);
      const broken = await smoke(dir);
      expect(broken.code).toBe(1);
      expect(failed(broken.contract).join('\n')).toContain(`holds an id (12345)`);
      const updated = await smoke(dir, '--update');
      expect(updated.contract['telemetry contract recorded']).toMatchObject({ ok: false });
      expect(JSON.parse(readFileSync(path.join(dir, CONTRACT), 'utf8')).routes[0].server.name).toBe(c.serverSpan);
    });

    it('a service that exports the token fails the secret check, naming where', async () => {
      const { code, report } = await smoke(copyOf('leak', c.leakSecret));
      expect(code).toBe(1);
      const secret = report.checks.find((x) => x.name === 'no secret in the telemetry');
      expect(secret).toMatchObject({ ok: false, detail: expect.stringContaining('attribute url.query') });
    });
  });
}

contractSuite('FastAPI', {
  sampleRoute: '/process/12345',
  serverSpan: 'GET /process/{item_id}',
  copy: (base, dir) => {
    cpSync(base, dir, {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}.venv`) && !src.includes('__pycache__'),
    });
    symlinkSync(path.join(base, '.venv'), path.join(dir, '.venv'));
  },
  renameChild: (dir) => edit(dir, 'app/main.py', (t) => t.replace('"process_item_logic",', '"process_item_work",')),
  // What a refactor that loses the route template looks like on the wire: the key is not exported.
  dropRoute: appendToMain(
    '_redact = telemetry.redact_attributes\n' +
      'telemetry.redact_attributes = lambda a: {k: v for k, v in (_redact(a) or a).items() if k != "http.route"}',
  ),
  // A middleware that renames the server span after the path once the route has named it.
  idInName: appendToMain(
    [
      'from opentelemetry import trace as _trace',
      '',
      '',
      '@app.middleware("http")',
      'async def _name_by_path(request, call_next):',
      '    response = await call_next(request)',
      '    _trace.get_current_span().update_name(f"GET {request.url.path}")',
      '    return response',
    ].join('\n'),
  ),
  leakSecret: appendToMain('telemetry.redact_attributes = lambda attributes: None'),
});

contractSuite('Express', {
  framework: 'express',
  sampleRoute: '/process/12345',
  serverSpan: 'GET /process/:itemId',
  copy: (base, dir) => {
    cpSync(base, dir, { recursive: true, filter: (src) => !/[/\\](node_modules|dist|build-test)$/.test(src) });
    symlinkSync(path.join(base, 'node_modules'), path.join(dir, 'node_modules'));
  },
  renameChild: (dir) => edit(dir, 'src/app.ts', (t) => t.replace("'process_item_logic'", "'process_item_work'")),
  // Without the Express instrumentation nothing tells the HTTP one the route (constructed, it patches at once).
  dropRoute: (dir) =>
    edit(dir, 'src/instrumentations.ts', (t) =>
      t
        .replace('new ExpressInstrumentation({', 'new ExpressInstrumentation({ enabled: false,')
        .replace('\n  ];\n}', '\n  ].filter((i) => !(i instanceof ExpressInstrumentation));\n}'),
    ),
  // After the route has named the span: the hook the HTTP instrumentation runs last.
  idInName: (dir) =>
    edit(dir, 'src/instrumentations.ts', (t) =>
      t.replace(
        'redactedQueryParamsServer: REDACTED_QUERY_PARAMS',
        "redactedQueryParamsServer: REDACTED_QUERY_PARAMS, applyCustomAttributesOnSpan: (span, request) => span.updateName(`GET ${((request as IncomingMessage).url ?? '').split('?')[0]}`)",
      ),
    ),
  leakSecret: (dir) =>
    edit(dir, 'src/instrumentations.ts', (t) =>
      t.replace(
        'redactedQueryParamsServer: REDACTED_QUERY_PARAMS',
        'redactedQueryParamsServer: REDACTED_QUERY_PARAMS.slice(0, 0)',
      ),
    ),
});
