/**
 * gunicorn in an existing project: whether it serves the app, which config file it reads, and the hooks
 * add-tracing composes into that file (each worker builds its own provider after the fork; worker_exit
 * flushes it), after the project's own hooks, which keep running as they are.
 */
import type { FileChange } from '../../../pipeline/changes.js';
import { dockerignoreExcludes, lastStartLine, withFileCopied } from '../../../pipeline/dockerfile.js';
import { GUNICORN_MARKER } from './frameworks.js';
import type { ProjectReport } from './types.js';

export const DEFAULT_GUNICORN_CONFIG = 'gunicorn.conf.py';
/** The Dockerfile the image is built from, read with the start commands (with its .dockerignore). */
export const DOCKERFILE = 'Dockerfile';

export interface GunicornUse {
  /** gunicorn is declared, started, or configured in the project. */
  used: boolean;
  /** The config file gunicorn reads (relative to the root): the one a start command names, else ./gunicorn.conf.py. */
  config: string;
  /** The app is preloaded in the master (preload_app = True or --preload). */
  preload: string | undefined;
}

export function gunicornUse(report: ProjectReport & { texts: Record<string, string> }): GunicornUse {
  const commands = report.startCommands.filter((c) => c.server === 'gunicorn');
  const named = commands.find((c) => c.config)?.config?.replace(/^\.\//, '');
  const config = named ?? DEFAULT_GUNICORN_CONFIG;
  const declared = report.dependencyFiles.some((f) => f.requirements.some((r) => r.name === 'gunicorn'));
  const text = report.texts[config];
  const preloadCmd = commands.find((c) => c.preload);
  const preloadLine = text?.split(/\r?\n/).findIndex((l) => /^preload_app\s*=\s*True\b/.test(l)) ?? -1;
  const preload = preloadCmd
    ? `${preloadCmd.path}:${preloadCmd.line} (--preload)`
    : preloadLine >= 0
      ? `${config}:${preloadLine + 1} (preload_app = True)`
      : undefined;
  return { used: declared || commands.length > 0 || text !== undefined, config, preload };
}

/** The config file with the hooks appended; unchanged when they are there already. */
export function withGunicornHooks(current: string | undefined, hooks: string): string {
  if (current !== undefined && current.includes(GUNICORN_MARKER)) return current;
  if (current === undefined || current === '') return hooks.replace(/^\n+/, '');
  const nl = current.includes('\r\n') ? '\r\n' : '\n';
  const body = current.endsWith('\n') ? current : current + nl;
  return body + hooks.replace(/\n/g, nl);
}

/**
 * The image must ship the hooks it is started with: a gunicorn config add-tracing creates at the project
 * root is copied into the Dockerfile's last stage (just before the instruction that starts it, where
 * gunicorn reads ./gunicorn.conf.py from the working directory) unless that stage gets it already; a
 * .dockerignore rule that keeps it out of the build context is named instead of edited.
 */
export function gunicornImageChanges(
  texts: Record<string, string>,
  config: string,
): { changes: FileChange[]; notes: string[] } {
  const dockerfile = texts[DOCKERFILE];
  const created = texts[config] === undefined;
  if (!created || config.includes('/') || dockerfile === undefined) return { changes: [], notes: [] };
  const ignoredBy = texts['.dockerignore'] ? dockerignoreExcludes(texts['.dockerignore'], config) : undefined;
  if (ignoredBy)
    return {
      changes: [],
      notes: [
        `.dockerignore keeps ${config} out of the image (rule \`${ignoredBy}\`): add \`!${config}\` to it, or the image runs without the worker hooks`,
      ],
    };
  const start = lastStartLine(dockerfile);
  const after = start ? withFileCopied(dockerfile, config, start) : dockerfile;
  if (after === dockerfile) return { changes: [], notes: [] };
  return {
    changes: [
      {
        path: DOCKERFILE,
        before: dockerfile,
        after,
        summary: [`copies ${config} into the image it runs (line ${start}), so its workers get the hooks`],
      },
    ],
    notes: [],
  };
}
