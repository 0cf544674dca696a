/**
 * A base for a project whose answers file recorded none (schema 1), from the project's own git history: the
 * commit that first added the answers file holds exactly what the tool generated, unless the user edited
 * before that first commit. git runs through execa (no shell), each call bounded in time and output.
 */
import { execa } from 'execa';
import { ANSWERS_FILE } from '../core/paths.js';

export interface HistoryBase {
  /** The commit the base was read from. */
  commit: string;
  /** Each asked-for path that commit holds, with its content then. */
  files: { path: string; content: string }[];
}

/** More would not be a generated project's base. */
const MAX_FILES = 500;
const MAX_BYTES = 4 * 1024 * 1024;
const TIMEOUT_MS = 15_000;

async function git(root: string, args: string[]): Promise<string | undefined> {
  try {
    const r = await execa('git', args, {
      cwd: root,
      reject: false,
      timeout: TIMEOUT_MS,
      maxBuffer: MAX_BYTES,
      stripFinalNewline: false,
      stdin: 'ignore',
      env: { GIT_OPTIONAL_LOCKS: '0' },
    });
    return r.exitCode === 0 ? r.stdout : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The commit that first added the answers file in `root` (oldest first in history) and each of `paths` as it
 * held them; undefined outside a git repository, without git, or when the answers file was never committed.
 */
export async function baseFromHistory(root: string, paths: readonly string[]): Promise<HistoryBase | undefined> {
  const log = await git(root, ['log', '--diff-filter=A', '--format=%H', '--', ANSWERS_FILE]);
  const commit = log?.trim().split('\n').at(-1);
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
  const files: HistoryBase['files'] = [];
  for (const rel of paths.slice(0, MAX_FILES)) {
    // `./` makes the path relative to root, also when root is a subdirectory of the repository.
    const content = await git(root, ['show', `${commit}:./${rel}`]);
    if (content !== undefined) files.push({ path: rel, content });
  }
  return { commit, files };
}
