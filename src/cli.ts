/** Command-line wiring only: flags come from the option schema, work is done by the command modules. */
import { Command, CommanderError, Option } from 'commander';
import pc from 'picocolors';
import { CancelledError, EXIT_CANCELLED, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './core/errors.js';
import { exportDefaultLabel } from './catalog/export-defaults.js';
import { ALL_FRAMEWORKS } from './catalog/frameworks/index.js';
import {
  EXPORTERS,
  OPTION_KEYS,
  optionMeta,
  SAMPLERS,
  serviceOptionsSchema,
  type OptionKey,
} from './options/schema.js';
import { cliVersion } from './core/paths.js';
import { terminalText } from './core/escape.js';
import { createUi, type Ui } from './core/ui.js';
import { OTEL_LINES } from './catalog/python-sets.js';
import { exitAfterSignal, interruptedBy, markInterrupted, runInterruptCleanups } from './core/interrupt.js';

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const CHOICES: Partial<Record<OptionKey, readonly string[]>> = {
  framework: ALL_FRAMEWORKS.map((f) => f.name),
  exporter: EXPORTERS,
  sampler: SAMPLERS,
};

let defaults: ReturnType<typeof serviceOptionsSchema.parse> | undefined;
function defaultLabel(key: OptionKey): string | undefined {
  defaults ??= serviceOptionsSchema.parse({ serviceName: 'x' });
  if (key === 'serviceName' || key === 'endpoint') return undefined;
  const perRuntime = exportDefaultLabel(key);
  if (perRuntime) return perRuntime;
  const value = defaults[key];
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object') return undefined;
  return String(value);
}

/**
 * One flag per schema option; values stay raw strings for the schema to parse and report. The defaults
 * shown in --help come from parsing the schema, which only a run that can print help pays for.
 */
function addOptionFlags(command: Command, describeDefaults: boolean): void {
  for (const key of OPTION_KEYS) {
    const meta = optionMeta(key);
    const isBoolean = !meta.valueName;
    const flag = new Option(`--${meta.flag}${isBoolean ? '' : ` ${meta.valueName}`}`, meta.description);
    const choices = CHOICES[key];
    if (choices) flag.description = `${meta.description} (${choices.join(' | ')})`;
    const def = describeDefaults ? defaultLabel(key) : undefined;
    if (def !== undefined && !isBoolean) flag.description += ` [default: ${def}]`;
    if (meta.repeatable)
      flag.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
    command.addOption(flag);
    if (isBoolean) command.addOption(new Option(`--no-${meta.flag}`, `turn --${meta.flag} off [default]`));
  }
}

/** The schema options the user actually typed (commander has no defaults for them, so presence = given). */
function givenOptions(command: Command): Record<string, unknown> {
  const opts = command.opts();
  const given: Record<string, unknown> = {};
  for (const key of OPTION_KEYS) {
    const value = opts[camel(optionMeta(key).flag)];
    if (value !== undefined) given[key] = value;
  }
  return given;
}

function isInteractive(flags: { yes?: boolean; json?: boolean }): boolean {
  return (
    !flags.yes && !flags.json && process.env.CI !== 'true' && process.env.CI !== '1' && process.stdin.isTTY === true
  );
}

/** JSON for --json: bigint nanoseconds become strings, byte arrays hex. */
function printJson(value: unknown): void {
  const text = JSON.stringify(
    value,
    (_key, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
    2,
  );
  process.stdout.write(`${text}\n`);
}

/**
 * Every command's action: make the UI, load the command module on demand (so --help and bad-flag errors
 * stay fast), run it, print --json, record the exit code.
 */
function action(
  run: (code: number) => void,
  flags: { yes?: boolean; json?: boolean },
  work: (ui: Ui) => Promise<{ code: number; result: unknown }>,
) {
  return (async () => {
    const ui = await createUi({ json: Boolean(flags.json), tty: isInteractive(flags) });
    const { code, result } = await work(ui);
    if (flags.json) printJson(result);
    run(code);
  })();
}

const SUBCOMMANDS = ['smoke', 'add-tracing', 'upgrade', 'doctor', 'view', 'dev'] as const;
const HELP_WORDS = new Set(['-h', '--help', 'help']);

/**
 * The program for `argv`. A plain scaffold (no subcommand named, no help asked for) gets only the
 * top-level flags: building every subcommand's flags and the defaults shown in help is most of what
 * commander costs at start-up. Any argument that names a subcommand or asks for help builds them all.
 */
export function buildProgram(run: (code: number) => void, argv: readonly string[] = process.argv): Command {
  const args = argv.slice(2);
  const full = args.some((a) => HELP_WORDS.has(a) || (SUBCOMMANDS as readonly string[]).includes(a));
  const program = new Command();
  program
    .name('create-traced-service')
    .description(
      'Generate a Python web service wired for OpenTelemetry, then prove the wiring with a built-in OTLP receiver.',
    )
    .version(cliVersion(), '-v, --version')
    .argument('[dir]', 'project directory to create')
    .option('-y, --yes', 'accept defaults for everything not given; never prompt')
    .option('--config <file>', 'JSON file with options (or a previous .create-traced-service.json)')
    .option('--dry-run', 'print the file tree that would be written and write nothing')
    .option('--force', 'write into a non-empty directory, replacing files the plan writes (never deletes anything)')
    .option('--no-install', 'do not create .venv or install dependencies (implies --no-smoke)')
    .option('--no-smoke', 'skip the smoke test after installing')
    .option('--json', 'print a machine-readable result on stdout (progress goes to stderr)')
    .option('--ci <kind>', 'also write the CI job running the smoke test and telemetry contract (github | gitlab)')
    .configureHelp({ helpWidth: 110 })
    // Options before a subcommand belong to the program, after it to the subcommand (e.g. `smoke --json`).
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  addOptionFlags(program, full);
  program.addHelpText(
    'after',
    `
Frameworks:
${ALL_FRAMEWORKS.map((f) => `  ${f.name.padEnd(10)} ${f.displayName}: ${f.hint}`).join('\n')}

Prompts appear only when stdin is a terminal and neither --yes, --json nor CI=true is set.
Exit codes: 0 success, 1 install or smoke test failed, 2 invalid input, 130 cancelled (129 SIGHUP, 143 SIGTERM).

Examples:
  npx create-traced-service my-svc
  npx create-traced-service my-svc --yes --exporter otlp-http --sampler-ratio 0.1
  npx create-traced-service smoke my-svc --json
  npx create-traced-service add-tracing ./existing-service --dry-run
  npx create-traced-service doctor ./existing-service
  npx create-traced-service dev my-svc --open
  npx create-traced-service view --save run.jsonl`,
  );
  program.action(
    (
      dir: string | undefined,
      flags: {
        yes?: boolean;
        json?: boolean;
        dryRun?: boolean;
        install: boolean;
        smoke: boolean;
        force?: boolean;
        config?: string;
        ci?: string;
      },
    ) =>
      action(run, flags, async (ui) =>
        (await import('./commands/create.js')).createCommand(dir, givenOptions(program), flags, ui),
      ),
  );

  if (full) addSubcommands(program, run);
  return program;
}

function addSubcommands(program: Command, run: (code: number) => void): void {
  addSmokeCommand(program, run);
  addAddTracingCommand(program, run);
  addUpgradeCommand(program, run);
  addDoctorCommand(program, run);
  addViewCommands(program, run);
}

/** `smoke [dir]`: the proof again, on a generated or wired project. */
function addSmokeCommand(program: Command, run: (code: number) => void): void {
  program
    .command('smoke')
    .description('start a generated service, send requests and check the spans it exports')
    .argument('[dir]', 'project directory', '.')
    .option('--json', 'print the report as JSON on stdout')
    .option('--record', 'write telemetry-contract.json: the shape of the telemetry this run emitted')
    .option('--update', 'accept the shape this run emitted as the new telemetry-contract.json')
    .option('--junit <file>', 'also write the checks as JUnit XML (one test case per check) to <file>')
    .exitOverride()
    .action((dir: string, flags: { json?: boolean; record?: boolean; update?: boolean; junit?: string }) =>
      action(run, flags, async (ui) => (await import('./commands/smoke.js')).smokeCommand(dir, ui, flags)),
    );
}

/** `add-tracing [dir]`: an existing service wired, reviewed as a diff, proven. */
function addAddTracingCommand(program: Command, run: (code: number) => void): void {
  const addTracing = program
    .command('add-tracing')
    .description('trace an existing Python, Express or Fastify service as generated ones are, then smoke-test it')
    .argument('[dir]', 'the existing project', '.')
    .option('--app <module:attr>', 'the app to trace when the project has several (a factory function works too)')
    .option('--route <path>', "GET route the smoke test requests (default: one from the app's route table)")
    .option('-y, --yes', 'write the changes without asking')
    .option('--dry-run', 'print the diff and write nothing')
    .option('--force', 'write even when git shows uncommitted changes in the files it touches')
    .option('--config <file>', 'JSON file with options (or a .create-traced-service.json)')
    .option('--no-install', 'do not install dependencies into .venv (implies --no-smoke)')
    .option('--no-smoke', 'skip the smoke test after installing')
    .option(
      '--no-lock',
      'do not re-lock uv.lock / poetry.lock / pdm.lock / requirements.txt after editing dependencies',
    )
    .option('--no-project-tests', "do not run the project's own tests before and after the change")
    .option('--no-format', "do not run the project's formatters (ruff, black, isort) on the written files")
    .option('--env-file <file>', "environment for importing and running the app (default: the project's .env)")
    .option(
      '--python <X.Y>',
      'the Python for the smoke-test venv (default: the newest installed one the project allows)',
    )
    .option('--show-new', 'show new files in full in the diff (default: name and size)')
    .option('--ci <kind>', 'also add the CI job running the smoke test and telemetry contract (github | gitlab)')
    .option('--json', 'print a machine-readable result on stdout (progress goes to stderr)')
    .exitOverride();
  addOptionFlags(addTracing, true);
  addTracing.action((dir: string, flags: import('./commands/add-tracing.js').AddTracingFlags & { json?: boolean }) =>
    action(run, flags, async (ui) =>
      (await import('./commands/add-tracing.js')).addTracingCommand(dir, givenOptions(addTracing), flags, ui),
    ),
  );
}

/** `upgrade [dir]`: a project moved to the newest matched set and templates, edits kept. */
function addUpgradeCommand(program: Command, run: (code: number) => void): void {
  program
    .command('upgrade')
    .description("move a generated or add-tracing'd project to the newest matched set and templates, keeping edits")
    .argument('[dir]', 'the project', '.')
    .option(
      '--otel-version <1.N>',
      `matched set to move to (${Object.keys(OTEL_LINES).join(' | ')}) [default: the newest its Python supports]`,
    )
    .option(
      '--signals <list>',
      'signals to export from now on: traces, metrics, logs [default: the ones the project records]',
    )
    .option('-y, --yes', 'write the upgrade without asking')
    .option('--dry-run', 'print the plan and the diff, write nothing')
    .option('--force', 'write even when git shows uncommitted changes in the files it touches')
    .option('--no-install', 'do not install dependencies into .venv (implies --no-smoke)')
    .option('--no-smoke', 'skip the smoke test after writing')
    .option(
      '--no-lock',
      'do not re-lock uv.lock, poetry.lock, pdm.lock or pip-compile outputs (they are named as stale)',
    )
    .option('--json', 'print a machine-readable result on stdout (progress goes to stderr)')
    .exitOverride()
    .action((dir: string, flags: import('./commands/upgrade.js').UpgradeFlags) =>
      action(run, flags, async (ui) => (await import('./commands/upgrade.js')).upgradeCommand(dir, flags, ui)),
    );
}

/** `doctor [dir]`: what a service gets wrong, exit 1 on a problem. */
function addDoctorCommand(program: Command, run: (code: number) => void): void {
  program
    .command('doctor')
    .description("report what is missing or wrong in an existing service's OpenTelemetry setup (exit 1 on problems)")
    .argument('[dir]', 'the project', '.')
    .option('--app <module:attr>', 'the app to diagnose when the project has several')
    .option('--check-pypi', 'also ask PyPI whether a newer OpenTelemetry release exists than this CLI knows')
    .option('--json', 'print the findings as JSON on stdout')
    .exitOverride()
    .action((dir: string, flags: { app?: string; checkPypi?: boolean; json?: boolean }) =>
      action(run, flags, async (ui) => (await import('./commands/doctor.js')).doctorCommand(dir, flags, ui)),
    );
}

/** The flags `view` and `dev` share: where the receiver and the page listen, the cap, --save. */
function addViewFlags(command: Command, receiverPorts: string): Command {
  return command
    .option('--grpc-port <port>', `OTLP/gRPC port of the receiver ${receiverPorts}`)
    .option('--http-port <port>', `OTLP/HTTP port of the receiver ${receiverPorts}`)
    .option('--port <port>', 'port of the page on 127.0.0.1 [default: 4320, or a free one when taken]')
    .option('--open', 'open the page in the browser')
    .option('--max-spans <n>', 'spans held; past it the oldest are dropped (and counted) [default: 100000]')
    .option('--save <file>', 'append what arrives to this file as OTLP/JSON lines (view --load replays it)')
    .exitOverride();
}

function addViewCommands(program: Command, run: (code: number) => void): void {
  const view = addViewFlags(
    program
      .command('view')
      .description('receive OTLP from any local process and show traces, logs and metrics live in the browser'),
    '[default: 4317 and 4318]',
  ).option('--load <file>', 'replay a file written by --save first');
  view.action((flags: import('./commands/view.js').ViewFlags) =>
    action(run, {}, async (ui) => (await import('./commands/view.js')).viewCommand(flags, ui)),
  );

  const dev = addViewFlags(
    program
      .command('dev')
      .description("run the project's service with its telemetry sent to a live view in the browser")
      .argument('[dir]', 'the project', '.'),
    '[default: a free one]',
  )
    .option('--service-port <port>', 'port the service listens on [default: 8000]')
    .option('--no-reload', "do not restart the service when its source changes (its server's reloader)");
  dev.action((dir: string, flags: import('./commands/dev.js').DevFlags) =>
    action(run, {}, async (ui) => (await import('./commands/dev.js')).devCommand(dir, flags, ui)),
  );
}

function fail(message: string): void {
  process.stderr.write(`${pc.red('error:')} ${terminalText(message)}\n`);
}

/** Exit codes for the signals that end a run, as a shell reports them (128 + the signal's number). */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: EXIT_CANCELLED, SIGHUP: 129, SIGTERM: 143 };
const HANDLED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Writes to stderr even when the terminal is gone (a hung-up terminal makes writes fail). */
function say(text: string): void {
  try {
    process.stderr.write(terminalText(text));
  } catch {
    // nowhere to report it
  }
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = EXIT_OK;
  // Undo what is half-done (installer, venv, service), then exit; a second signal exits at once.
  const onSignal = (signal: NodeJS.Signals) => {
    const code = SIGNAL_EXIT[signal] ?? EXIT_CANCELLED;
    if (interruptedBy()) exitAfterSignal(signal, code, 0);
    markInterrupted(signal);
    if (signal !== 'SIGHUP') say('\ncancelled\n');
    void runInterruptCleanups().finally(() => exitAfterSignal(signal, code));
  };
  const onFatal = (error: unknown) => {
    say(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    void runInterruptCleanups().finally(() => process.exit(EXIT_FAILURE));
  };
  const ignore = () => {};
  process.stdout.on('error', ignore);
  process.stderr.on('error', ignore);
  for (const signal of HANDLED_SIGNALS) process.on(signal, onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  try {
    await buildProgram((code) => (exitCode = code), argv).parseAsync(argv);
    return interruptedBy() ? SIGNAL_EXIT[interruptedBy()!]! : exitCode;
  } catch (error) {
    // Whatever failed because of a signal is not news: the signal handler reports and exits.
    const signal = interruptedBy();
    if (signal) return SIGNAL_EXIT[signal] ?? EXIT_CANCELLED;
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; parse errors were already printed by commander.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof CancelledError) {
      await runInterruptCleanups();
      process.stderr.write('cancelled\n');
      return EXIT_CANCELLED;
    }
    await runInterruptCleanups();
    if (error instanceof UsageError) {
      fail(error.message);
      return EXIT_USAGE;
    }
    fail(error instanceof Error ? error.message : String(error));
    return EXIT_FAILURE;
  } finally {
    for (const signal of HANDLED_SIGNALS) process.off(signal, onSignal);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
  }
}
