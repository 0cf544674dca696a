/** A planned edit to one file of a repository: what every editing command reviews, writes and restores. */
export interface FileChange {
  path: string;
  /** null: the file is created. */
  before: string | null;
  after: string;
  /** One line per thing done to this file, for the summary and the answers file. */
  summary: string[];
}

/** The change as the --json result lists it. */
export function changeSummaries(changes: FileChange[]) {
  return changes.map((c) => ({
    path: c.path,
    action: c.before === null ? ('create' as const) : ('modify' as const),
    summary: c.summary,
  }));
}
