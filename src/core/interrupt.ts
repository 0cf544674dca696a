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

/**
 * Ends the process after a signal. A clean exit waits for every thread-pool thread, and one stuck in a read
 * (a FIFO nobody writes) never returns: file operations still running after `graceMs` end the process by the
 * signal itself, with its default action, which a shell reports as the same 128 + n.
 */
export function exitAfterSignal(signal: NodeJS.Signals, code: number, graceMs = 1000): void {
  const deadline = Date.now() + graceMs;
  const attempt = () => {
    if (!process.getActiveResourcesInfo().some((r) => r.startsWith('FSReq'))) process.exit(code);
    if (Date.now() >= deadline) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      process.exit(code);
    }
    setTimeout(attempt, 20);
  };
  attempt();
}
