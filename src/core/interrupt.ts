/**
 * What to undo if the run is interrupted (Ctrl-C, SIGTERM, the terminal closing) or dies of an unexpected
 * error while something is half-done: an installer running, a venv being built, a service being tested.
 * The CLI's signal handlers run every registered cleanup, then exit.
 */

type Cleanup = () => void | Promise<void>;

interface Entry {
  cleanup: Cleanup;
  /** Synchronous stand-in used when the process exits before the cleanup could finish. */
  lastResort?: () => void;
}

const pending = new Set<Entry>();
let signalled: NodeJS.Signals | undefined;
let exitHookInstalled = false;

function runLastResorts(): void {
  for (const entry of pending) {
    try {
      void (entry.lastResort ?? entry.cleanup)();
    } catch {
      // best effort: the process is going away
    }
  }
  pending.clear();
}

/**
 * Registers a cleanup; returns the function that unregisters it (call it once the work completed).
 * `lastResort` runs instead if the process exits first (it must be synchronous, e.g. SIGKILL).
 */
export function onInterruptCleanup(cleanup: Cleanup, lastResort?: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', runLastResorts);
  }
  const entry: Entry = { cleanup, ...(lastResort ? { lastResort } : {}) };
  pending.add(entry);
  return () => pending.delete(entry);
}

/** Runs every registered cleanup at once and waits for them, at most `budgetMs`. */
export async function runInterruptCleanups(budgetMs = 15_000): Promise<void> {
  const entries = [...pending];
  const running = entries.map(async (entry) => {
    try {
      await entry.cleanup();
    } catch {
      // best effort: the process is going away
    }
    pending.delete(entry);
  });
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, budgetMs)));
  await Promise.race([Promise.all(running), budget]);
  clearTimeout(timer);
  // Whatever did not finish in time gets its synchronous last resort.
  runLastResorts();
}

/** Records which signal is ending the run, so that work failing because of it is not reported as a failure. */
export function markInterrupted(signal: NodeJS.Signals): void {
  signalled ??= signal;
}

export function interruptedBy(): NodeJS.Signals | undefined {
  return signalled;
}
