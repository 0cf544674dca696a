/**
 * What a repository or a span holds never reaches the terminal raw: folder names, package.json scripts,
 * file contents in the diff, span names and smoke-test details are printed with every control sequence
 * (ESC, OSC 52 clipboard writes, BEL, carriage returns, C1 controls, bidirectional overrides) escaped. And
 * a folder name that is no Python identifier never becomes a module path in written code.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { terminalText } from '../../src/core/escape.js';
import { createUi } from '../../src/core/ui.js';
import { formatFindings } from '../../src/pipeline/findings.js';
import { renderDiff } from '../../src/pipeline/diff.js';
import { renderReview } from '../../src/pipeline/review.js';
import type { ReceivedSpan } from '../../src/receiver/model.js';
import { formatSmokeReport } from '../../src/smoke/report.js';
import type { SmokeReport } from '../../src/smoke/run.js';
import { renderTraceTree } from '../../src/smoke/tree.js';
import { git, removeScratch, snapshot, tempDir } from '../support/add-tracing.js';
import { REPO_ROOT, runCli } from '../support/helpers.js';

/** OSC 52 (sets the clipboard), a screen clear, a carriage return, a C1 CSI, a right-to-left override. */
const HOSTILE = 'a\u001b]52;c;ZWNobyBwd25lZA==\u0007b\u001b[2J\rc\u009b31md\u202ee';
/** Any control character or invisible format character a terminal would act on. */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

afterAll(removeScratch);

describe('terminalText', () => {
  it('escapes every control and format character, keeps text, newlines and tabs', () => {
    expect(terminalText(HOSTILE)).toBe('a\\x1b]52;c;ZWNobyBwd25lZA==\\x07b\\x1b[2J\\rc\\x9b31md\\u202ee');
    expect(terminalText('héllo 🚀\n\tx')).toBe('héllo 🚀\n\tx');
  });

  it('keeps only colour codes when asked, never cursor moves or OSC', () => {
    const colored = '\u001b[31mred\u001b[39m';
    expect(terminalText(colored, { keepColors: true })).toBe(colored);
    expect(terminalText(HOSTILE, { keepColors: true })).not.toMatch(RAW);
  });
});

describe('every print path escapes', () => {
  it('ui.info, warn, success, block and step titles', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    try {
      const ui = await createUi({ json: false, tty: false });
      ui.info(HOSTILE);
      ui.warn(HOSTILE);
      ui.success(HOSTILE);
      ui.block(HOSTILE);
      await ui.step(HOSTILE, async () => undefined);
    } finally {
      spy.mockRestore();
    }
    expect(out.join('').replace(/\u001b\[\d+m/g, '')).not.toMatch(RAW);
    expect(out.join('')).toContain('\\x1b]52');
  });

  it('the diff and the review show control characters in file contents escaped, coloured or not', () => {
    const change = {
      path: `x${HOSTILE}.py`,
      before: `one\n${HOSTILE}\n`,
      after: `one\n${HOSTILE}\ntwo\n`,
      summary: [],
    };
    for (const color of [false, true]) {
      const shown = [renderDiff([change], color), renderReview([change], { color, showNew: true })];
      for (const text of shown) {
        expect(text.replace(/\u001b\[\d+m/g, '')).not.toMatch(RAW);
        expect(text).toContain('\\x1b[2J');
      }
    }
  });

  it('findings, the trace tree and the smoke report', () => {
    const findings = formatFindings(
      [{ code: 'x', severity: 'error', message: HOSTILE, where: HOSTILE, fix: HOSTILE }],
      {
        color: false,
      },
    );
    const span = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      parentSpanId: '',
      name: HOSTILE,
      kind: 'SERVER',
      startTimeUnixNano: 1n,
      endTimeUnixNano: 2_000_000n,
    } as ReceivedSpan;
    const report = {
      ok: false,
      checks: [{ name: HOSTILE, ok: false, detail: HOSTILE, diagnosis: HOSTILE }],
      spans: [span],
      exporter: 'otlp-grpc',
      notes: [HOSTILE],
      serviceOutput: HOSTILE,
      durationMs: 1,
    } as unknown as SmokeReport;
    for (const text of [findings, renderTraceTree([span]), formatSmokeReport(report, { color: false })]) {
      expect(text).not.toMatch(RAW);
      expect(text).toContain('\\x1b]52');
    }
  });
});

const committed = (dir: string) => {
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'mine');
  return dir;
};

/** A FastAPI app in `pkgDir` (a package), with `banner` in a string of its source. */
function fastapiProject(root: string, pkgDir: string, banner = 'hello'): string {
  mkdirSync(path.join(root, pkgDir), { recursive: true });
  writeFileSync(path.join(root, 'requirements.txt'), 'fastapi==0.165.0\nuvicorn==0.54.0\n');
  writeFileSync(path.join(root, pkgDir, '__init__.py'), '');
  writeFileSync(
    path.join(root, pkgDir, 'main.py'),
    `from fastapi import FastAPI\n\nBANNER = "${banner}"\napp = FastAPI()\n`,
  );
  return committed(root);
}

describe('from a repository to the terminal and to code', () => {
  it('a package folder named like code is refused as a module path: exit 2, nothing written', async () => {
    const root = path.join(tempDir('cts-modpath-'), 'svc');
    fastapiProject(root, 'pkg\nimport os; os.system("touch PWNED")\nx');
    const before = snapshot(root);
    const r = await runCli(['add-tracing', root, '--yes', '--no-install'], { env: { CI: 'true' } });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not a Python module name/);
    expect(snapshot(root)).toEqual(before);
  });

  it('a folder name, file contents and the diff of a Python project print escaped', async () => {
    const root = path.join(tempDir('cts-termpy-'), `svc${HOSTILE}`);
    // A carriage return would end the Python string: the rest is valid source.
    fastapiProject(root, 'app', HOSTILE.replace('\r', ''));
    const r = await runCli(['add-tracing', root, '--dry-run', '--show-new', '--service-name', 'svc'], {
      env: { CI: 'true' },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(RAW);
    expect(r.stdout).toContain('\\x1b]52');
  });

  it('package.json scripts and names of a Node project print escaped', async () => {
    const root = path.join(tempDir('cts-termnode-'), 'orders');
    cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'existing-node', 'express-cjs'), root, { recursive: true });
    const pkgFile = path.join(root, 'package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { scripts: Record<string, string>; name: string };
    pkg.scripts.start = `NODE_ENV=production node server.js # ${HOSTILE}`;
    pkg.name = `orders${HOSTILE}`;
    writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 4)}\n`);
    committed(root);
    for (const args of [
      ['add-tracing', root, '--dry-run'],
      ['doctor', root],
    ]) {
      const r = await runCli(args, { env: { CI: 'true' } });
      expect(r.stdout + r.stderr, args.join(' ')).not.toMatch(RAW);
    }
  });
});
