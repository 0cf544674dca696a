/**
 * add-tracing's change set for a Node service, computed from the analysis before anything is touched:
 * the bootstrap file, package.json (the matched set pinned, `--import` in the start script), the
 * Dockerfile's node command, and the answers file. Planning again on the result gives no change.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../../core/errors.js';
import { serviceFramework } from '../../../catalog/frameworks/index.js';
import type { ServiceOptions } from '../../../options/schema.js';
import { ANSWERS_FILE } from '../../../core/paths.js';
import { peekAnswers, type ExistingAnswers } from '../../../answers/document.js';
import { tracedAnswersText } from '../../../answers/file.js';
import { DEFAULT_NODE_SET, nodeDependencies, nodeOtelSet, nodeOverrides } from '../../../catalog/node-sets.js';
import { canRenderBootstrap, renderBootstrap } from './bootstrap.js';
import { crossesMajor, declaredOtel } from './declared-otel.js';
import {
  dockerfileWithImport,
  dockerignoreExcludes,
  lastStageHasBootstrap,
  withBootstrapCopied,
} from './dockerfile.js';
import { editPackageJson, isCanonical } from './package-json.js';
import { BOOTSTRAP_FILE, loadOrder, type NodeProject, type PackageJson } from './project.js';
import { sampleRoute } from './routes.js';
import { preloadsBootstrap, withImport } from './start-command.js';
import type { FileChange } from '../../../pipeline/changes.js';
import { readTextSync } from '../../../core/read-file.js';

const NOTHING = '— nothing was changed';
const OVERRIDE_FIELD = { npm: 'overrides', yarn: 'resolutions', pnpm: 'pnpm.overrides' } as const;

export interface NodePlan {
  changes: FileChange[];
  notes: string[];
  /** The exact versions added to package.json. */
  pins: Record<string, string>;
  /** How the service is started from now on (for the record and the smoke test). */
  startCommand: string[];
  /** The GET route the smoke test requests (recorded, so `smoke` requests the same one). */
  route: { path: string; template: string };
  packageJsonChanged: boolean;
}

/** Refusals, before anything is shown or touched: one line naming the cause and the fix. */
export function refuseNodeProject(project: NodeProject): asserts project is NodeProject & {
  packageJson: { text: string; data: PackageJson };
  framework: NonNullable<NodeProject['framework']>;
  entry: NonNullable<NodeProject['entry']>;
} {
  if ('error' in project.packageJson)
    throw new UsageError(`package.json cannot be read (${project.packageJson.error}); fix it and run again ${NOTHING}`);
  if (!project.framework) {
    throw new UsageError(
      `${project.unsupportedFramework ? `${project.unsupportedFramework} detected` : 'neither express nor fastify is a dependency'} in package.json; ` +
        `add-tracing wires Express and Fastify services: generate one with create-traced-service --framework express ${NOTHING}`,
    );
  }
  if (!canRenderBootstrap(project.framework.name))
    throw new UsageError(
      `${project.framework.name} services cannot be wired by this version (no ${project.framework.name} template); upgrade create-traced-service ${NOTHING}`,
    );
  if (project.start.otherRunner && !project.start.command)
    throw new UsageError(
      `the start script runs ${project.start.otherRunner}, not node; make it \`node <entry>\` (or tsx) so the bootstrap can be preloaded with --import, and run again ${NOTHING}`,
    );
  if (!project.entry)
    throw new UsageError(
      `no entry module found: package.json has no start script and no main, and there is no server.js; add "start": "node <entry>" and run again ${NOTHING}`,
    );
  if (project.bundled)
    throw new UsageError(
      `${project.bundled}: OpenTelemetry patches express/fastify and http as Node loads them, which never happens inside a bundle; ` +
        `keep them external (esbuild --packages=external, webpack externals) or run the unbundled sources ${NOTHING}`,
    );
  if (!project.entry.exists)
    throw new UsageError(
      `the entry ${project.entry.run} (from ${project.start.source}) does not exist${project.typescript ? ' and no TypeScript source maps to it' : ''}; build the service or fix the start script, and run again ${NOTHING}`,
    );
  const { sdk } = loadOrder(project);
  const foreign = project.start.command?.preloads.filter((p) => p.value.replace(/^\.\//, '') !== BOOTSTRAP_FILE) ?? [];
  if (sdk)
    throw new UsageError(
      `the service starts an OpenTelemetry SDK already (${sdk.what} at ${sdk.file}:${sdk.line}); a second one would export everything twice: ` +
        `remove it (doctor tells what is wrong with it) and run again ${NOTHING}`,
    );
  if (foreign.some((p) => /opentelemetry|otel|tracing|telemetry|instrument/i.test(p.value)))
    throw new UsageError(
      `the start script preloads ${foreign.map((p) => `${p.flag} ${p.value}`).join(', ')} already; remove that preload and run again ${NOTHING}`,
    );
  if (project.bootstrap && !project.bootstrap.ours)
    throw new UsageError(
      `${BOOTSTRAP_FILE} exists and was not written by create-traced-service; rename it and run again ${NOTHING}`,
    );
  // npm would put the set beside an older OpenTelemetry line: ERESOLVE on the api peer, or two SDKs' worth.
  const set = nodeOtelSet(DEFAULT_NODE_SET);
  const { outside } = declaredOtel(project.packageJson.data, set);
  if (outside.length > 0) {
    const one = outside.length === 1;
    throw new UsageError(
      `package.json declares ${outside.join(' and ')}, which ${one ? 'has' : 'have'} no release in the OpenTelemetry JS ` +
        `${set.stable}/${set.experimental} set add-tracing pins (with @opentelemetry/api ${set.api}); ` +
        `remove ${one ? 'it' : 'them'} or move to the set's packages, and run again ${NOTHING}`,
    );
  }
}

/**
 * A package of the set that declares an older @opentelemetry line (realigned in node-versions.ts) gets
 * the set's versions through the package manager's own override field.
 */
function overridesFor(
  project: NodeProject & { packageJson: { text: string } },
  overrides: Record<string, Record<string, string>>,
): Record<string, Record<string, unknown>> {
  if (Object.keys(overrides).length === 0) return {};
  const manager = project.packageManager.name;
  if (manager === 'npm') return { overrides };
  const flat = (sep: string) =>
    Object.fromEntries(
      Object.entries(overrides).flatMap(([pkg, deps]) => Object.entries(deps).map(([d, v]) => [`${pkg}${sep}${d}`, v])),
    );
  if (manager === 'yarn') return { resolutions: flat('/') };
  const pnpm = (JSON.parse(project.packageJson.text) as { pnpm?: { overrides?: Record<string, string> } }).pnpm ?? {};
  return { pnpm: { ...pnpm, overrides: { ...pnpm.overrides, ...flat('>') } } };
}

/** Notes on the Dockerfile as it will be (`text`: after the planned change, if any). */
function dockerNotes(project: NodeProject, text: string | undefined): string[] {
  const docker = project.docker;
  if (!docker) return [];
  const notes: string[] = [];
  if (!lastStageHasBootstrap(text ?? docker.text, BOOTSTRAP_FILE))
    notes.push(
      `${docker.path} copies selected files only: add \`COPY ${BOOTSTRAP_FILE} ./\` so the image has the bootstrap`,
    );
  if (docker.start && !docker.start.runsNode && !/npm|yarn|pnpm/.test(docker.start.argv.join(' ')))
    notes.push(
      `${docker.path}:${docker.start.line} does not start node or the start script; preload ./${BOOTSTRAP_FILE} there by hand`,
    );
  return notes;
}

/**
 * The image copies the bootstrap from the build context, but .dockerignore keeps it out of the context (an
 * allow list, `*.mjs`): the build would fail or the image start without it. An exception is appended (the
 * last matching rule decides). BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile first.
 */
function dockerignoreChange(project: NodeProject, text: string | undefined): FileChange | undefined {
  const docker = project.docker;
  if (!docker || !lastStageHasBootstrap(text ?? docker.text, BOOTSTRAP_FILE)) return undefined;
  const file = [`${docker.path}.dockerignore`, '.dockerignore'].find((f) => existsSync(path.join(project.root, f)));
  if (!file) return undefined;
  const before = readTextSync(path.join(project.root, file));
  const rule = dockerignoreExcludes(before, BOOTSTRAP_FILE);
  if (!rule) return undefined;
  const eol = before.includes('\r\n') ? '\r\n' : '\n';
  const after = `${before}${before === '' || before.endsWith('\n') ? '' : eol}!${BOOTSTRAP_FILE}${eol}`;
  return {
    path: file,
    before,
    after,
    summary: [`lets ${BOOTSTRAP_FILE} into the build context (\`${rule}\` kept it out)`],
  };
}

export function planNodeChanges(
  project: NodeProject,
  options: ServiceOptions,
  previousAnswers: string | undefined,
  routeFlag?: string,
): NodePlan {
  refuseNodeProject(project);
  const framework = serviceFramework(options.framework);
  if (framework.runtime !== 'node') throw new Error(`${framework.name} is not a Node framework`);
  const set = nodeOtelSet(DEFAULT_NODE_SET);
  const pins = nodeDependencies(
    set,
    framework.packages.filter((p) => p !== framework.name),
  );
  const changes: FileChange[] = [];
  const notes: string[] = [];
  const entry = project.entry.run;
  const pkg = packageJsonChange(project, framework.packages, pins, notes);
  if (pkg.change) changes.push(pkg.change);

  const bootstrap = renderBootstrap(options, entry);
  const bootstrapBefore = project.bootstrap?.text ?? null;
  if (bootstrapBefore !== bootstrap) {
    changes.push({
      path: BOOTSTRAP_FILE,
      before: bootstrapBefore,
      after: bootstrap,
      summary: [
        bootstrapBefore === null
          ? 'the OpenTelemetry bootstrap, loaded with node --import'
          : 'the bootstrap, rendered again with the new options',
      ],
    });
  }

  const docker = dockerChange(project);
  if (docker) changes.push(docker);
  const ignore = dockerignoreChange(project, docker?.after);
  if (ignore) changes.push(ignore);
  notes.push(...dockerNotes(project, docker?.after));
  if (
    project.start.command &&
    !preloadsBootstrap(project.start.command, BOOTSTRAP_FILE) &&
    project.start.command.runner === 'tsx'
  )
    notes.push('tsx passes --import to node: the bootstrap loads before the TypeScript entry');

  const startCommand = ['node', '--import', `./${BOOTSTRAP_FILE}`, entry];
  const route = sampleRoute(project, options.excludedUrls, routeFlag ?? recordedRoute(previousAnswers));
  const answers = answersText(
    options,
    {
      app: `${project.entry.source}`,
      serverCommand: startCommand,
      route,
      telemetryModule: BOOTSTRAP_FILE,
      dependencyFiles: ['package.json'],
      did: changes.length > 0 ? changes.flatMap((c) => c.summary.map((s) => `${c.path}: ${s}`)) : [],
    },
    previousAnswers,
  );
  if (answers !== previousAnswers) {
    changes.push({
      path: ANSWERS_FILE,
      before: previousAnswers ?? null,
      after: answers,
      summary: ['records the options and what was changed'],
    });
  }
  return { changes, notes, pins, startCommand, route, packageJsonChanged: pkg.change !== undefined };
}

type Planned = NodeProject & {
  packageJson: { text: string; data: PackageJson };
  entry: NonNullable<NodeProject['entry']>;
};

/** package.json: the set pinned, --import in the start script (a new one for `main`/server.js), overrides. */
function packageJsonChange(
  project: Planned,
  packages: readonly string[],
  pins: Record<string, string>,
  notes: string[],
): { change?: FileChange } {
  const set = nodeOtelSet(DEFAULT_NODE_SET);
  const pkgBefore = project.packageJson.text;
  const script = project.start.script;
  const scriptName = project.start.scriptName ?? 'start';
  const startScript =
    script !== undefined && project.start.command
      ? withImport(script, project.start.command, BOOTSTRAP_FILE)
      : `node --import ./${BOOTSTRAP_FILE} ${project.entry.run}`;
  // Declared packages of the set move to its version: pinned ones into dependencies, the others in place.
  const { moves } = declaredOtel(project.packageJson.data, set);
  const align = Object.fromEntries(moves.filter((m) => !(m.name in pins)).map((m) => [m.name, m.to]));
  const overrides = nodeOverrides(set, [...packages, ...Object.keys(align)]);
  const pkgAfter = editPackageJson(pkgBefore, {
    dependencies: pins,
    align,
    scripts: { [scriptName]: startScript },
    merge: overridesFor(project, overrides),
  });
  if (pkgAfter === pkgBefore) return {};
  const summary = [
    `pins ${Object.keys(pins).length} packages of the OpenTelemetry JS ${set.stable}/${set.experimental} set`,
  ];
  for (const m of moves) {
    const where = m.field === 'dependencies' ? '' : m.name in pins ? ` (${m.field} -> dependencies)` : ` (${m.field})`;
    summary.push(`${m.name} ${m.from} -> ${m.to}${where}`);
  }
  const breaking = moves.filter((m) => crossesMajor(m.from, m.to)).map((m) => m.name);
  if (breaking.length > 0)
    notes.push(
      `${breaking.join(', ')} ${breaking.length > 1 ? 'move' : 'moves'} to a new major line with the set: code of the service that uses ${breaking.length > 1 ? 'them' : 'it'} directly may need changes`,
    );
  if (startScript !== script)
    summary.push(
      script === undefined
        ? `adds "start": "${startScript}"`
        : `the ${scriptName} script preloads ./${BOOTSTRAP_FILE} with --import`,
    );
  for (const name of Object.keys(overrides))
    summary.push(
      `aligns ${name}'s @opentelemetry dependencies with the set (${OVERRIDE_FIELD[project.packageManager.name]})`,
    );
  if (!isCanonical(pkgBefore))
    notes.push(
      'package.json was not in the layout npm writes; it is written back as npm would (same indentation and key order)',
    );
  return { change: { path: 'package.json', before: pkgBefore, after: pkgAfter, summary } };
}

/** The Dockerfile's node command with --import (npm start needs nothing: the script has it). */
function dockerChange(project: NodeProject): FileChange | undefined {
  const docker = project.docker;
  if (!docker?.start?.runsNode || docker.start.preloaded) return undefined;
  const preloaded = dockerfileWithImport(docker.text, BOOTSTRAP_FILE);
  if (preloaded === docker.text) return undefined;
  const after = withBootstrapCopied(preloaded, BOOTSTRAP_FILE);
  const summary = [`${docker.start.instruction} preloads ./${BOOTSTRAP_FILE} with --import`];
  if (after !== preloaded) summary.push(`copies ${BOOTSTRAP_FILE} into the image's last stage`);
  return { path: docker.path, before: docker.text, after, summary };
}

function recordedRoute(previous: string | undefined): string | undefined {
  return peekAnswers(previous)?.existing?.route?.path;
}

/** The record; when nothing else changes, the previous file stays as it is (its `did` and CLI version kept). */
function answersText(options: ServiceOptions, existing: ExistingAnswers, previous: string | undefined): string {
  // A previous text that is not a JSON object is written anew.
  const prev = existing.did?.length === 0 ? peekAnswers(previous) : undefined;
  if (previous !== undefined && prev) {
    const same = (e: ExistingAnswers | undefined) => JSON.stringify({ ...e, did: undefined });
    if (JSON.stringify(prev.options) === JSON.stringify(options) && same(prev.existing) === same(existing))
      return previous;
    existing.did = prev.existing?.did ?? [];
  }
  return tracedAnswersText(options, existing);
}
