import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listTree, runCli, runInTty, scratchDir } from '../support/helpers.js';

const NO_PYTHON = ['--no-install'];

describe('create (no TTY)', () => {
  it('--ci github and --ci gitlab write the job running this version of the smoke test', async () => {
    const cwd = scratchDir();
    const version = JSON.parse(
      readFileSync(path.join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'),
    ).version;
    for (const [kind, file] of [
      ['github', '.github/workflows/telemetry.yml'],
      ['gitlab', '.gitlab/telemetry.yml'],
    ] as const) {
      const r = await runCli([kind, '--yes', ...NO_PYTHON, '--ci', kind], { cwd });
      expect(r.code, r.stderr).toBe(0);
      const job = readFileSync(path.join(cwd, kind, file), 'utf8');
      expect(job).toContain(`npx --yes create-traced-service@${version} smoke . --junit telemetry-junit.xml`);
    }
  });

  it('writes the whole tree and an answers file that reproduces it', async () => {
    const cwd = scratchDir();
    const r = await runCli(
      ['svc', '--yes', ...NO_PYTHON, '--service-name', 'checkout "api"', '--sampler-ratio', '0.1'],
      { cwd },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const tree = listTree(path.join(cwd, 'svc'));
    expect(tree).toEqual(
      expect.arrayContaining([
        '.create-traced-service.json',
        '.dockerignore',
        '.gitignore',
        'Dockerfile',
        'README.md',
        'app/__init__.py',
        'app/main.py',
        'app/telemetry.py',
        'compose.yaml',
        'otel-collector-config.yaml',
        'pyproject.toml',
        'requirements-dev.txt',
        'requirements.txt',
      ]),
    );
    expect(tree.some((f) => f.startsWith('tests/') && f.endsWith('.py'))).toBe(true);
    const answers = JSON.parse(readFileSync(path.join(cwd, 'svc', '.create-traced-service.json'), 'utf8'));
    expect(answers.cliVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(answers.options).toMatchObject({ serviceName: 'checkout "api"', samplerRatio: 0.1, exporter: 'otlp-grpc' });
    expect(answers.options.examples).toBe(false);
    expect(tree).not.toContain('app/examples.py');

    // Rerunning from the answers file into another directory gives the same files, byte for byte.
    const again = await runCli(
      ['svc2', '--config', path.join(cwd, 'svc', '.create-traced-service.json'), ...NO_PYTHON],
      { cwd },
    );
    expect(again.code).toBe(0);
    expect(listTree(path.join(cwd, 'svc2'))).toEqual(tree);
    for (const f of tree)
      expect(readFileSync(path.join(cwd, 'svc2', f), 'utf8')).toBe(readFileSync(path.join(cwd, 'svc', f), 'utf8'));
    // Only the target and nothing else (no staging directory left behind).
    expect(readdirSync(cwd).sort()).toEqual(['svc', 'svc2']);
  });

  it('--dry-run prints the tree and writes nothing', async () => {
    const cwd = scratchDir();
    const r = await runCli(['svc', '--yes', '--dry-run'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Would write');
    expect(r.stdout).toContain('telemetry.py');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('--json gives a machine-readable result on stdout only', async () => {
    const cwd = scratchDir();
    const r = await runCli(['svc', '--yes', '--dry-run', '--json'], { cwd });
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ ok: true, dryRun: true, directory: path.join(cwd, 'svc') });
    expect(result.files).toContain('app/telemetry.py');
  });

  it('never prompts without a TTY: a missing directory is an error naming the argument', async () => {
    const r = await runCli([], { cwd: scratchDir() });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/missing project directory/);
  });

  it.each([
    [['--sampler-ratio', '1.5'], /^error: --sampler-ratio: must be a number between 0 and 1$/],
    [['--endpoint', 'nope'], /^error: --endpoint: must be host:port/],
    [['--service-name', ''], /^error: --service-name: service name must not be empty$/],
    [['--exporter', 'jaeger'], /^error: --exporter: must be one of: otlp-grpc, otlp-http, console$/],
    [['--max-queue-size', '-3'], /^error: --max-queue-size: must be between 1 and 1000000$/],
  ])('bad flag %j: one line, exit 2, nothing written', async (flags, message) => {
    const cwd = scratchDir();
    const r = await runCli(['svc', '--yes', ...NO_PYTHON, ...flags], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(message);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('bad config files: one line naming the key, exit 2', async () => {
    const cwd = scratchDir();
    writeFileSync(path.join(cwd, 'c.json'), JSON.stringify({ samplerRatio: 4 }));
    writeFileSync(path.join(cwd, 'broken.json'), '{ nope');
    const r1 = await runCli(['svc', '--config', 'c.json', ...NO_PYTHON], { cwd });
    expect(r1.code).toBe(2);
    expect(r1.stderr.trim()).toBe('error: config "samplerRatio" (--sampler-ratio): must be a number between 0 and 1');
    const r2 = await runCli(['svc', '--config', 'broken.json', ...NO_PYTHON], { cwd });
    expect(r2.code).toBe(2);
    expect(r2.stderr.trim()).toMatch(/^error: --config: broken\.json is not valid JSON/);
    const r3 = await runCli(['svc', '--config', 'missing.json', ...NO_PYTHON], { cwd });
    expect(r3.stderr.trim()).toBe('error: --config: cannot read missing.json (ENOENT)');
    // A flag wins over the config file.
    const r4 = await runCli(['svc', '--config', 'c.json', '--sampler-ratio', '0.5', '--dry-run', '--json'], { cwd });
    expect(JSON.parse(r4.stdout).options.samplerRatio).toBe(0.5);
    expect(readdirSync(cwd).sort()).toEqual(['broken.json', 'c.json']);
  });

  it('refuses a non-empty directory; --force writes into it and deletes nothing', async () => {
    const cwd = scratchDir();
    mkdirSync(path.join(cwd, 'svc'));
    writeFileSync(path.join(cwd, 'svc', 'notes.txt'), 'mine');
    const refused = await runCli(['svc', '--yes', ...NO_PYTHON], { cwd });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is not empty; choose another directory or pass --force/);
    expect(readdirSync(path.join(cwd, 'svc'))).toEqual(['notes.txt']);

    const forced = await runCli(['svc', '--yes', '--force', ...NO_PYTHON], { cwd });
    expect(forced.code).toBe(0);
    expect(readFileSync(path.join(cwd, 'svc', 'notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(path.join(cwd, 'svc', 'app', 'telemetry.py'))).toBe(true);
  });

  it('refuses a file where the directory should be', async () => {
    const cwd = scratchDir();
    writeFileSync(path.join(cwd, 'svc'), 'x');
    const r = await runCli(['svc', '--yes', ...NO_PYTHON], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/svc exists and is not a directory$/);
  });

  it('--help documents every flag with its default', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--service-name',
      '--framework',
      '--exporter',
      '--endpoint',
      '--insecure',
      '--sampler',
      '--sampler-ratio',
      '--environment',
      '--resource-attribute',
      '--excluded-urls',
      '--max-queue-size',
      '--schedule-delay',
      '--max-export-batch-size',
      '--export-timeout',
      '--otel-version',
      '--yes',
      '--dry-run',
      '--json',
      '--config',
      '--force',
      '--no-install',
      '--no-smoke',
    ]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toMatch(/\[default:\s+parentbased_traceidratio\]/);
    expect(r.stdout).toMatch(/\[default:\s+2048\]/);
    // Decided per runtime (src/catalog/export-defaults.ts): both are shown, not the default framework's alone.
    expect(r.stdout).toMatch(/\[default:\s+64\s+for\s+Python,\s+512\s+for\s+Node\]/);
  });
});

describe('create (interactive, in a TTY)', () => {
  it('asks, accepts the pre-filled defaults and writes the project', async () => {
    const cwd = scratchDir();
    // directory, service name, framework, exporter, signals, endpoint, insecure, sampler, ratio, environment,
    // excluded URLs, examples
    const r = await runInTty(['--no-install'], ['my-svc\r', ...Array(11).fill('\r')], { cwd });
    expect(r.output).toContain('Service name');
    expect(r.output).toContain('Signals to export');
    expect(r.output).toContain('Sampler');
    expect(r.output).toContain('Add worked examples');
    expect(r.code).toBe(0);
    // Offered with "yes" pre-selected to someone exploring; --yes gets the lean service.
    expect(existsSync(path.join(cwd, 'my-svc', 'app', 'examples.py'))).toBe(true);
    const answers = JSON.parse(readFileSync(path.join(cwd, 'my-svc', '.create-traced-service.json'), 'utf8'));
    expect(answers.options).toMatchObject({
      serviceName: 'my-svc',
      exporter: 'otlp-grpc',
      signals: ['traces', 'metrics', 'logs'],
      sampler: 'parentbased_traceidratio',
      examples: true,
    });
  });

  it('Ctrl-C at a prompt prints "cancelled", exits 130 and leaves nothing', async () => {
    const cwd = scratchDir();
    const r = await runInTty(['--no-install'], ['my-svc\r', '\x03'], { cwd });
    expect(r.output).toContain('cancelled');
    expect(r.code).toBe(130);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
