/** The default command: gather options, plan, write, install, smoke-test. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { parseOptionsOrThrow, readConfigFile } from '../answers/config-file.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../core/errors.js';
import { layerOptions } from '../answers/layer-options.js';
import { runtimeOnlyProblem, type ServiceOptions } from '../options/schema.js';
import { plan, type Plan } from '../generate/plan.js';
import type { Ui } from '../core/ui.js';
import { editedSinceGenerated } from '../upgrade/guard.js';
import { checkTarget, TargetError, writeTree, type WriteResult } from '../generate/write.js';
import { finishInterruptedWrite } from '../pipeline/apply.js';
import { installAndSmoke, type PipelineResult } from '../pipeline/install-and-smoke.js';
import { shellWord } from '../core/escape.js';
import { cliCommand } from '../core/invocation.js';
import { runtimeOf, type Runtime } from '../runtimes/index.js';
import { ciFiles, ciKind } from '../pipeline/ci-files.js';
import { cliVersion } from '../core/paths.js';

// Prompts (and @clack/prompts) load only when someone is there to answer them.
const prompts = () => import('../options/prompts.js');

export interface CreateFlags {
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
  install: boolean;
  smoke: boolean;
  force?: boolean;
  config?: string;
  /** --ci github|gitlab: also write the CI job that runs the smoke test and the telemetry contract. */
  ci?: string;
}

export function renderPlanTree(p: Plan, color: boolean): string {
  const c = color ? pc : pc.createColors(false);
  const lines: string[] = [];
  const paths = p.files.map((f) => f.path);
  paths.forEach((file, i) => {
    const parts = file.split('/');
    const prev = i > 0 ? paths[i - 1]!.split('/') : [];
    // Print each directory once, the first time a file below it appears.
    let common = 0;
    while (common < parts.length - 1 && prev[common] === parts[common]) common++;
    for (let d = common; d < parts.length - 1; d++) lines.push(`${'  '.repeat(d)}${c.blue(`${parts[d]}/`)}`);
    const size = Buffer.byteLength(p.files[i]!.content);
    lines.push(`${'  '.repeat(parts.length - 1)}${parts.at(-1)} ${c.dim(`(${size} B)`)}`);
  });
  return lines.join('\n');
}

export interface CreateResult {
  ok: boolean;
  directory: string;
  dryRun: boolean;
  options: ServiceOptions;
  files: string[];
  write?: WriteResult;
  pipeline?: PipelineResult;
}

export async function createCommand(
  dirArg: string | undefined,
  flagOptions: Record<string, unknown>,
  flags: CreateFlags,
  ui: Ui,
): Promise<{ code: number; result: CreateResult }> {
  const { target, directory, options } = await gatherOptions(dirArg, flagOptions, flags, ui);
  const runtime = runtimeOf(options.framework);
  const p = plan(options, runtime);
  const ci = ciKind(flags.ci);
  if (ci) p.files.push(...ciFiles(ci, { setup: runtime.ciSetup, version: cliVersion() }));
  const files = p.files.map((f) => f.path);
  const result: CreateResult = { ok: true, directory: target, dryRun: Boolean(flags.dryRun), options, files };
  if (flags.dryRun) {
    ui.block(`${pc.bold(`Would write ${files.length} files to ${target}`)}\n${renderPlanTree(p, !ui.json)}`);
    return { code: EXIT_OK, result };
  }

  // Checked before anything is written: the tool that will run the service must be able to.
  if (flags.install) await runtime.preflight?.();
  // A write a killed run left in the target is finished first: the checks below read what it wrote.
  if (existsSync(target)) finishInterruptedWrite(target, ui);
  if (flags.force) await refuseOverwritingEdits(target, directory, p);
  result.write = await writeStep(target, p, flags, ui);
  if (!flags.install) {
    if (flags.smoke) ui.info('skipping the smoke test: it needs the installed environment (--no-install)');
  } else {
    result.pipeline = await installAndSmoke(target, options, runtime, { smoke: flags.smoke }, ui);
    result.ok = result.pipeline.ok;
  }
  if (result.ok) printNextSteps(target, runtime, p, flags, ui);
  return { code: result.ok ? EXIT_OK : EXIT_FAILURE, result };
}

/** The target directory and the options: flag › config file › prompts (when someone is there) › default. */
async function gatherOptions(
  dirArg: string | undefined,
  flagOptions: Record<string, unknown>,
  flags: CreateFlags,
  ui: Ui,
): Promise<{ target: string; directory: string; options: ServiceOptions }> {
  const fromConfig = flags.config ? await readConfigFile(flags.config, (m) => ui.info(m)) : {};
  // Flags win over the config file (which may be a previous project's answers); prompts only ask for what
  // neither gave, so they see the layers without the default below. No `keys`: here an unknown key is the
  // user's mistake and is refused, where add-tracing drops the other parts of a project's answers file.
  const { raw, sourceOf } = layerOptions({ flags: flagOptions, config: fromConfig });

  let directory = dirArg?.trim();
  if (!directory) {
    if (!ui.interactive)
      throw new UsageError(
        'missing project directory: pass it as the first argument, e.g. create-traced-service my-service --yes',
      );
    directory = await (await prompts()).promptDirectory(undefined);
  }
  if (/[\u0000-\u001f]/.test(directory)) throw new UsageError('project directory must not contain control characters');
  const target = path.resolve(directory);

  // Fail on bad flags before asking anything; the directory name stands in for a missing service name.
  const withDefault = layerOptions({
    flags: flagOptions,
    config: fromConfig,
    defaults: { serviceName: path.basename(target) },
  });
  let options = parseOptionsOrThrow(withDefault.raw, sourceOf);
  if (ui.interactive) options = parseOptionsOrThrow(await (await prompts()).promptForOptions(raw, directory), sourceOf);
  const ignored = runtimeOnlyProblem(options.framework, Object.keys(flagOptions));
  if (ignored) throw new UsageError(ignored);
  return { target, directory, options };
}

/** A project made by this tool is carried forward by `upgrade`, which merges edits instead of overwriting them. */
async function refuseOverwritingEdits(target: string, directory: string, p: Plan): Promise<void> {
  const overwritten = await checkTarget(target, p.files, true).then(
    (r) => r.overwritten,
    () => [],
  );
  const edited = editedSinceGenerated(target, overwritten);
  if (edited && edited.length > 0) {
    throw new UsageError(
      `${directory} holds a create-traced-service project whose files ${edited.join(', ')} were edited since ` +
        `they were written; --force would overwrite them: run \`create-traced-service upgrade ${directory}\` ` +
        'to merge instead — nothing was changed',
    );
  }
}

async function writeStep(target: string, p: Plan, flags: CreateFlags, ui: Ui): Promise<WriteResult> {
  let written: WriteResult;
  try {
    written = await ui.step(`Writing ${p.files.length} files to ${path.relative(process.cwd(), target) || '.'}`, () =>
      writeTree(target, p.files, { force: flags.force ?? false }),
    );
  } catch (error) {
    if (error instanceof TargetError) throw new UsageError(error.message);
    throw error;
  }
  if (written.overwritten.length > 0) ui.warn(`overwrote ${written.overwritten.join(', ')} (--force)`);
  return written;
}

function printNextSteps(target: string, runtime: Runtime, p: Plan, flags: CreateFlags, ui: Ui): void {
  const rel = path.relative(process.cwd(), target) || '.';
  ui.block(
    [
      '',
      pc.bold('Next steps'),
      // Pasted in order: after the cd, every command runs inside the project.
      ...(rel === '.' ? [] : [`  cd ${shellWord(rel)}`]),
      ...runtime
        .nextSteps({ installed: flags.install, framework: p.framework, smokeCommand: `${cliCommand(target)} smoke` })
        .map((line) => `  ${line}`),
    ].join('\n'),
  );
}
