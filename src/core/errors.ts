/** Exit codes and the errors every command turns into one: bad input, cancellation, a failed install. */
export const EXIT_OK = 0;
/** Something ran and failed: install, smoke test, a check. */
export const EXIT_FAILURE = 1;
/** Bad input: a flag, a config file, a target directory. Nothing was written. */
export const EXIT_USAGE = 2;
/** Ctrl-C or a cancelled prompt, like a shell reports SIGINT. */
export const EXIT_CANCELLED = 130;

/** An error the user can fix by changing what they typed; printed as one line. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor() {
    super('cancelled');
  }
}

/** An install of a service's dependencies failed: the tail of its output, and the command that reruns it. */
export class InstallError extends Error {
  override name = 'InstallError';
  constructor(
    message: string,
    readonly outputTail: string,
    readonly rerun: string,
  ) {
    super(message);
  }
}
