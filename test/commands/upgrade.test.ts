/**
 * `upgrade` end to end without Python installs (--no-install): every framework, conflicts, an answers file
 * from an older CLI, an add-tracing'd project, dry runs, dirty trees, and `create --force` pointing here.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addTracing, committedCopy, git, removeScratch, snapshot, tempDir } from '../support/add-tracing.js';
import { runCli } from '../support/helpers.js';
import { cliVersion } from '../../src/core/paths.js';
import {
  ANSWERS,
  CHANGED_SETTING,
  expectEditsKept,
  expectNewestPins,
  generateCommitted,
  olderTemplate,
  upgrade,
  userEdits,
  projectOn142,
} from '../support/upgrade.js';

afterAll(removeScratch);

const read = (dir: string, rel: string) => readFileSync(path.join(dir, rel), 'utf8');

describe.each(['fastapi', 'starlette', 'flask', 'django'])('upgrade of a generated %s project', (framework) => {
  it('moves the pins to the newest set, keeps every user edit, and is a no-op the second time', async () => {
    const dir = await generateCommitted(tempDir(), framework);
    userEdits(dir, framework);
    const r = await upgrade(dir, ['--yes', '--no-install']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expectNewestPins(dir);
    expectEditsKept(dir, framework);
    expect(r.stdout).toMatch(/OpenTelemetry 1\.42 → 1\.45/);
    expect(r.stdout).toMatch(/requirements\.txt: opentelemetry-sdk 1\.42\.1 → 1\.45\.[12]/);
    expect(r.stdout).toMatch(/deleted\s+README\.md\s+deleted since it was generated; left deleted/);
    expect(r.stdout).toMatch(/merge\s+requirements\.txt/);
    expect(JSON.parse(read(dir, ANSWERS)).options.otelVersion).toBe('1.45');

    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'upgraded');
    const before = snapshot(dir);
    const again = await upgrade(dir, ['--yes', '--no-install']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Nothing to upgrade/);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('upgrade conflicts', () => {
  it('writes markers where both sides changed a line, exits 1, and doctor exits 1 until resolved', async () => {
    const dir = await generateCommitted(tempDir(), 'fastapi');
    // An older CLI wrote 4000 where this one writes 5000; the user changed the same line.
    olderTemplate(dir, 'app/telemetry.py', 'SCHEDULE_DELAY_MILLIS = 4000', 'SCHEDULE_DELAY_MILLIS = 5000');
    writeFileSync(
      path.join(dir, 'app/telemetry.py'),
      read(dir, 'app/telemetry.py').replace('SCHEDULE_DELAY_MILLIS = 4000', CHANGED_SETTING),
    );
    git(dir, 'commit', '-qam', 'my setting');

    const r = await upgrade(dir, ['--yes', '--no-install']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const text = read(dir, 'app/telemetry.py');
    expect(text).toContain(
      `<<<<<<< yours\n${CHANGED_SETTING}\n||||||| create-traced-service ${cliVersion()}, OpenTelemetry 1.42\n` +
        'SCHEDULE_DELAY_MILLIS = 4000\n=======\nSCHEDULE_DELAY_MILLIS = 5000\n>>>>>>> ',
    );
    expect(r.stdout).toMatch(/CONFLICT\s+app\/telemetry\.py/);
    expect(r.stdout.trimEnd().split('\n').slice(-3).join('\n')).toMatch(/Conflicts in 1 file:\n\s+app\/telemetry\.py/);
    expectNewestPins(dir);

    const doctor = await runCli(['doctor', dir]);
    expect(doctor.code, doctor.stdout).toBe(1);
    expect(doctor.stdout).toMatch(/app\/telemetry\.py:\d+ unresolved conflict markers/);

    // Rerunning before resolving changes nothing and still fails.
    const before = snapshot(dir);
    expect((await upgrade(dir, ['--yes', '--no-install', '--force'])).code).toBe(1);
    expect(snapshot(dir)).toEqual(before);

    writeFileSync(
      path.join(dir, 'app/telemetry.py'),
      text.replace(/<<<<<<< yours\n(.*\n)\|\|\|\|\|\|\| [\s\S]*?>>>>>>> .*\n/, '$1'),
    );
    expect(read(dir, 'app/telemetry.py')).toContain(CHANGED_SETTING);
    const resolved = await runCli(['doctor', dir]);
    expect(resolved.code, resolved.stdout).toBe(0);
    git(dir, 'commit', '-qam', 'resolved');
    const again = await upgrade(dir, ['--yes', '--no-install']);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/Nothing to upgrade/);
  });
});

describe('upgrade of an answers file without a recorded base (schema 1)', () => {
  /**
   * A FastAPI project as a CLI from before schema 2 left it: options only, no signals option (traces only).
   * `older` changes telemetry.py as an older template wrote it; `commit` makes it the first commit.
   */
  async function schema1Project(commit: boolean): Promise<string> {
    const dir = path.join(tempDir(), 'svc');
    const made = await runCli([dir, '--yes', '--no-install', '--signals', 'traces', '--otel-version', '1.42']);
    expect(made.code, made.stderr).toBe(0);
    const { options } = JSON.parse(read(dir, ANSWERS)) as { options: Record<string, unknown> };
    delete options.signals;
    writeFileSync(path.join(dir, ANSWERS), `${JSON.stringify({ cliVersion: '0.1.0', options }, null, 2)}\n`);
    const telemetry = path.join(dir, 'app/telemetry.py');
    writeFileSync(telemetry, read(dir, 'app/telemetry.py').replace('SCHEDULE_DELAY_MILLIS = 5000', OLD_SETTING));
    if (commit) {
      git(dir, 'init', '-q');
      git(dir, 'add', '-A');
      git(dir, 'commit', '-qm', 'generated');
    }
    writeFileSync(path.join(dir, 'app/main.py'), `${read(dir, 'app/main.py')}\n# my edit\n`);
    if (commit) git(dir, 'commit', '-qam', 'my edit');
    return dir;
  }
  const OLD_SETTING = 'SCHEDULE_DELAY_MILLIS = 4000';

  it("recovers the base from the project's git history: template changes land, edits are kept", async () => {
    const dir = await schema1Project(true);
    const first = git(dir, 'rev-list', '--max-parents=0', 'HEAD').trim();
    const r = await upgrade(dir, ['--yes', '--no-install']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/migration answers-schema-2/);
    expect(r.stdout + r.stderr).toContain(`recovered from your git history: commit ${first.slice(0, 7)}`);
    expect(r.stdout).toMatch(/replace\s+app\/telemetry\.py/);
    expect(read(dir, 'app/telemetry.py')).toContain('SCHEDULE_DELAY_MILLIS = 5000');
    expect(read(dir, 'app/main.py')).toContain('# my edit');
    expect(r.stdout).not.toMatch(/deleted\s/);
    expectNewestPins(dir);
    // A project of that time exported traces only, and still does: new signals are the user's choice.
    expect(read(dir, 'app/telemetry.py')).toMatch(/"OTEL_METRICS_EXPORTER": "none"/);
    const answers = JSON.parse(read(dir, ANSWERS));
    expect(answers).toMatchObject({ schemaVersion: 2, migrations: ['answers-schema-2', 'examples-opt-in'] });
    expect(answers.options.signals).toEqual(['traces']);
    expect(answers.files['app/main.py']).toBeDefined();
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'upgraded');
    expect((await upgrade(dir, ['--yes', '--no-install'])).stdout).toMatch(/Nothing to upgrade/);
  });

  it('without git history says no base was found and shows every difference as a conflict', async () => {
    const dir = await schema1Project(false);
    rmSync(path.join(dir, 'README.md'));
    const r = await upgrade(dir, ['--yes', '--no-install']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/recorded no base/);
    expect(r.stdout + r.stderr).toMatch(/every difference from the new render is shown as a conflict/);
    expect(r.stdout).toMatch(/CONFLICT\s+app\/main\.py/);
    expect(r.stdout).toMatch(/CONFLICT\s+app\/telemetry\.py/);
    expect(read(dir, 'app/telemetry.py')).toContain(`<<<<<<< yours\n${OLD_SETTING}\n=======\n`);
    // Nothing says the project ever had the README: it is created, not "deleted by the user".
    expect(r.stdout).toMatch(/create\s+README\.md/);
    expect(read(dir, 'README.md')).toContain('OpenTelemetry');
  });

  it('turns on new signals only when asked (--signals), and says so in the plan', async () => {
    const dir = await schema1Project(true);
    const r = await upgrade(dir, ['--yes', '--no-install', '--signals', 'traces,metrics,logs']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/signals traces → traces, metrics, logs/);
    expect(read(dir, 'app/telemetry.py')).toMatch(/"OTEL_METRICS_EXPORTER": "otlp"/);
    expect(JSON.parse(read(dir, ANSWERS)).options.signals).toEqual(['traces', 'metrics', 'logs']);
  });

  it('reports the signals in --json, and refuses a bad --signals in one line with nothing written', async () => {
    const dir = await schema1Project(true);
    const dry = await upgrade(dir, ['--dry-run', '--json', '--signals', 'logs,traces']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).signals).toEqual({ from: ['traces'], to: ['traces', 'logs'] });
    const bad = await upgrade(dir, ['--yes', '--no-install', '--signals', 'traces,spans']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--signals.*traces, metrics, logs.*nothing was changed/);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });
});

describe('upgrade of a FastAPI project generated before --examples existed', () => {
  it('keeps its worked examples mounted, with the user edits, and records "examples": true', async () => {
    const dir = await generateCommitted(tempDir(), 'fastapi', ['--examples']);
    // The answers file as the CLI wrote it before the option: no "examples" key, no migration for it.
    const answers = JSON.parse(read(dir, ANSWERS));
    delete answers.options.examples;
    answers.migrations = answers.migrations.filter((m: string) => m !== 'examples-opt-in');
    writeFileSync(path.join(dir, ANSWERS), `${JSON.stringify(answers, null, 2)}\n`);
    const edited = `${read(dir, 'app/examples.py')}\n# my example\n`;
    writeFileSync(path.join(dir, 'app/examples.py'), edited);
    git(dir, 'commit', '-qam', 'answers from before --examples, my edit');

    const r = await upgrade(dir, ['--yes', '--no-install']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/migration examples-opt-in/);
    expect(r.stdout).not.toMatch(/CONFLICT|deleted\s+app\/examples/);
    expect(read(dir, 'app/examples.py')).toBe(edited);
    expect(read(dir, 'app/main.py')).toContain('app.include_router(examples_router)');
    expect(read(dir, 'tests/test_worked_examples.py')).toContain('def test_');
    expect(JSON.parse(read(dir, ANSWERS)).options.examples).toBe(true);

    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'upgraded');
    const again = await upgrade(dir, ['--yes', '--no-install']);
    expect(again.stdout).toMatch(/Nothing to upgrade/);
  });
});

describe('upgrade safety', () => {
  it('--dry-run prints the plan and the diff and writes nothing', async () => {
    const dir = await generateCommitted(tempDir(), 'fastapi');
    const before = snapshot(dir);
    const r = await upgrade(dir, ['--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Pins that would change/);
    expect(r.stdout).toMatch(/replace\s+requirements\.txt/);
    expect(r.stdout).toMatch(/^-opentelemetry-sdk==1\.42\.1$/m);
    expect(r.stdout).toMatch(
      /record\s+\.create-traced-service\.json {2}otelVersion 1\.42 → 1\.45; hashes and base texts of 19 files/,
    );
    expect(r.stdout).not.toContain('sha256:');
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses uncommitted changes in the files it would touch unless --force, then writes', async () => {
    const dir = await generateCommitted(tempDir(), 'fastapi');
    writeFileSync(path.join(dir, 'requirements.txt'), `${read(dir, 'requirements.txt')}requests==2.32.3\n`);
    const before = snapshot(dir);
    const r = await upgrade(dir, ['--yes', '--no-install']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/uncommitted changes in requirements\.txt.*--force — nothing was changed/);
    // Refused before a diff that could not be written is shown.
    expect(r.stdout).not.toMatch(/^--- a\//m);
    expect(snapshot(dir)).toEqual(before);
    const forced = await upgrade(dir, ['--yes', '--no-install', '--force']);
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect(read(dir, 'requirements.txt')).toContain('requests==2.32.3');
  });

  it('refuses, naming the fix, when git cannot read the checkout (no git on PATH)', async () => {
    const dir = await generateCommitted(tempDir(), 'fastapi');
    const before = snapshot(dir);
    const r = await upgrade(dir, ['--yes', '--no-install'], { PATH: '/nonexistent' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /git cannot read .*uncommitted changes cannot be ruled out.*--force — nothing was changed/,
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses a Node project in one line, naming what to do instead', async () => {
    const dir = path.join(tempDir(), 'svc-express');
    const made = await runCli([dir, '--yes', '--no-install', '--framework', 'express']);
    expect(made.code, made.stderr).toBe(0);
    const before = snapshot(dir);
    const r = await upgrade(dir, ['--yes', '--no-install']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: upgrade is not available for Node\.js projects \(express\): edit the OpenTelemetry pins .* and run npm install — nothing was changed\n$/,
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it('asks for --yes without a terminal, and rejects an unknown --otel-version', async () => {
    const dir = await generateCommitted(tempDir(), 'fastapi');
    const before = snapshot(dir);
    expect((await upgrade(dir, ['--no-install'])).stderr).toMatch(/pass --yes/);
    const bad = await upgrade(dir, ['--yes', '--otel-version', '1.99']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--otel-version 1\.99: not a matched set this CLI knows/);
    expect((await upgrade(tempDir(), ['--yes'])).stderr).toMatch(/has no \.create-traced-service\.json/);
    expect(snapshot(dir)).toEqual(before);
    writeFileSync(path.join(dir, ANSWERS), '{ not json');
    const corrupt = await upgrade(dir, ['--yes', '--no-install']);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(
      /^error: .*\.create-traced-service\.json is not valid JSON .*nothing was changed\n$/,
    );
  });

  it('--otel-version moves to the line asked for', async () => {
    const dir = await generateCommitted(tempDir(), 'fastapi');
    const r = await upgrade(dir, ['--yes', '--no-install', '--otel-version', '1.44']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(read(dir, 'requirements.txt')).toContain('opentelemetry-sdk==1.44.0');
  });

  it('create --force on a project with edited files refuses and points to upgrade', async () => {
    const dir = await generateCommitted(tempDir(), 'fastapi');
    writeFileSync(path.join(dir, 'app/main.py'), `${read(dir, 'app/main.py')}\n# mine\n`);
    const before = snapshot(dir);
    const r = await runCli([dir, '--yes', '--no-install', '--force']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/app\/main\.py were edited.*create-traced-service upgrade/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('doctor says a newer matched set is known', async () => {
    const dir = await generateCommitted(tempDir(), 'fastapi');
    const r = await runCli(['doctor', dir]);
    expect(r.stdout).toMatch(/OpenTelemetry 1\.45 is a newer matched set than the project's 1\.42/);
  });
});

describe("upgrade of an add-tracing'd project", () => {
  it('moves its matched set in place, keeps a telemetry module edit, and is a no-op the second time', async () => {
    const dir = projectOn142();
    const traced = await addTracing(dir, ['--yes', '--no-install', '--otel-version', '1.42']);
    expect(traced.code, traced.stdout + traced.stderr).toBe(0);
    expect(read(dir, 'requirements.txt')).toContain('opentelemetry-sdk==1.42.1');
    const answers = JSON.parse(read(dir, ANSWERS));
    expect(Object.keys(answers.files)).toEqual(['app/telemetry.py']);
    writeFileSync(
      path.join(dir, 'app/telemetry.py'),
      read(dir, 'app/telemetry.py').replace('SCHEDULE_DELAY_MILLIS = 5000', CHANGED_SETTING),
    );
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'traced, then my setting');
    const requirementsBefore = read(dir, 'requirements.txt');

    const r = await upgrade(dir, ['--yes', '--no-install']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/requirements\.txt: opentelemetry-sdk 1\.42\.1 → 1\.45\.2/);
    expect(r.stdout).toMatch(/pins\s+requirements\.txt\s+your file: only the OpenTelemetry pins moved/);
    expect(read(dir, 'app/telemetry.py')).toContain(CHANGED_SETTING);
    // Surgical: only the pin lines differ.
    const changed = read(dir, 'requirements.txt')
      .split('\n')
      .filter((l, i) => l !== requirementsBefore.split('\n')[i]);
    expect(changed.length).toBeGreaterThan(0);
    for (const l of changed) expect(l).toMatch(/^opentelemetry-[a-z-]+==(1\.45\.2|0\.66b2)$/);

    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'upgraded');
    const before = snapshot(dir);
    const again = await upgrade(dir, ['--yes', '--no-install']);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/Nothing to upgrade/);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe("upgrade of a project add-tracing wired with FastAPI's own instrumentation", () => {
  it('keeps that wiring (the app passes telemetry=fastapi_telemetry()) while the matched set moves', async () => {
    const dir = committedCopy('package-main'); // fastapi==0.165.0
    const traced = await addTracing(dir, ['--yes', '--no-install', '--otel-version', '1.44']);
    expect(traced.code, traced.stdout + traced.stderr).toBe(0);
    expect(read(dir, 'app/main.py')).toContain('telemetry=otel_telemetry.fastapi_telemetry()');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'traced');

    const r = await upgrade(dir, ['--yes', '--no-install']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/requirements\.txt: opentelemetry-sdk 1\.44\.0 → 1\.45\.2/);
    const module = read(dir, 'app/telemetry.py');
    expect(module).toContain('def fastapi_telemetry(');
    expect(module).not.toContain('FastAPIInstrumentor.instrument_app(');
    expect(read(dir, 'requirements.txt')).not.toContain('opentelemetry-instrumentation-fastapi');
  });
});
