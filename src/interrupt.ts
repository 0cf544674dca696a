/**
 * What to undo if the user presses Ctrl-C while something is half-done: staging directories, a venv
 * being built, a service being tested. The CLI's SIGINT handler runs every registered cleanup.
 */

const pendingCleanups = new Set<() => void>();

export function onInterruptCleanup(cleanup: () => void): () => void {
  pendingCleanups.add(cleanup);
  return () => pendingCleanups.delete(cleanup);
}

export function runInterruptCleanups(): void {
  for (const cleanup of pendingCleanups) {
    try {
      cleanup();
    } catch {
      // best effort: the process is going away
    }
  }
  pendingCleanups.clear();
}
