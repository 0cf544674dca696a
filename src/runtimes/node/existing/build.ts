/**
 * The project's own build, run before the smoke test when the entry is built (dist/ from src/, an
 * esbuild or tsup output): the smoke test runs the entry as the start script names it, and a fresh
 * checkout has no build output yet, or an old one. It runs after consent, like the install.
 */
import { execa } from 'execa';
import { InstallError } from '../../../core/errors.js';
import { nodePath, type ServiceNode } from '../env.js';
import type { NodeProject } from './project.js';

const BUILD_TIMEOUT_MS = 900_000;

/** installForSmoke already runs `npm run build` for a TypeScript project with a build script. */
function buildRunByInstall(project: NodeProject): boolean {
  const pkg = 'error' in project.packageJson ? {} : project.packageJson.data;
  return Boolean(pkg.scripts?.build && project.typescript);
}

/** What the review says about building the entry; undefined when it is run as written. */
export function buildNote(project: NodeProject): string | undefined {
  const { build, entry } = project;
  if (!build || !entry) return undefined;
  const what = `the entry ${entry.run} is built from ${entry.source}`;
  if ('script' in build) return `${what}: \`npm run build\` (${build.command}) runs before the smoke test`;
  return `${what} and package.json has no build script: run ${build.missing} before the smoke test and before starting the service`;
}

/** The build script this step runs: the entry is built and the install step has not run it. */
export function buildToRun(project: NodeProject): string | undefined {
  const build = project.build;
  if (!build || !('script' in build) || buildRunByInstall(project)) return undefined;
  return build.command;
}

/** Runs `npm run build` (see buildToRun); an InstallError with the output's tail when it fails. */
export async function buildForSmoke(root: string, command: string, node: ServiceNode): Promise<void> {
  const env = { ...process.env, PATH: nodePath(node.binDir), npm_config_update_notifier: 'false' };
  const r = await execa('npm', ['run', 'build'], {
    cwd: root,
    env,
    reject: false,
    all: true,
    timeout: BUILD_TIMEOUT_MS,
  });
  if (r.exitCode === 0) return;
  const tail = String(r.all ?? '')
    .trim()
    .split('\n')
    .slice(-15)
    .join('\n');
  throw new InstallError(
    `npm run build (${command}) exited with ${r.exitCode ?? r.signal}`,
    tail,
    `cd ${root} && npm run build`,
  );
}
