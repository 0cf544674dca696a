/**
 * Where human-readable progress goes. With --json, stdout carries only the final JSON document and all
 * progress goes to stderr; without a TTY, spinners become one line per finished step with its time.
 * Everything printed goes through terminalText: text from a repository or a service cannot drive the
 * terminal, whichever message it ends up in.
 */
import pc from 'picocolors';
import { terminalText } from './escape.js';

export interface Ui {
  readonly json: boolean;
  readonly interactive: boolean;
  info(message: string): void;
  warn(message: string): void;
  success(message: string): void;
  /** Multi-line block shown as is (trees, diffs, reports). */
  block(text: string): void;
  /**
   * Runs `work`, showing a spinner with the elapsed time, and reports how long it took. A step whose
   * result `failed` says is a failure ends with ✖, like one that throws: never ✔ for a failed step.
   */
  step<T>(
    title: string,
    work: (update: (message: string) => void) => Promise<T>,
    failed?: (result: T) => boolean,
  ): Promise<T>;
}

/** Milliseconds on a monotonic clock; not `performance.now()`, whose global loads perf_hooks on first use. */
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** Creates the UI; @clack/prompts is loaded only for a terminal, so CI and --json runs start faster. */
export async function createUi(options: { json: boolean; tty: boolean }): Promise<Ui> {
  const out = options.json ? process.stderr : process.stdout;
  const safe = (text: string) => terminalText(text, { keepColors: true });
  const write = (line: string) => out.write(`${safe(line)}\n`);
  const fancy = options.tty && !options.json;
  const clack = fancy ? await import('@clack/prompts') : undefined;
  return {
    json: options.json,
    interactive: fancy,
    info: (m) => (clack ? clack.log.info(safe(m)) : write(m)),
    warn: (m) => (clack ? clack.log.warn(safe(m)) : write(`${pc.yellow('warning:')} ${m}`)),
    success: (m) => (clack ? clack.log.success(safe(m)) : write(`${pc.green('✔')} ${m}`)),
    block: (text) => write(text),
    async step(rawTitle, work, failed) {
      const started = now();
      const title = safe(rawTitle);
      if (clack) {
        const spin = clack.spinner({ indicator: 'timer' });
        spin.start(title);
        try {
          const result = await work((m) => spin.message(`${title}: ${safe(m)}`));
          if (failed?.(result)) spin.error(`${title} failed ${pc.dim(`(${formatDuration(now() - started)})`)}`);
          else spin.stop(title); // the timer indicator already shows the elapsed time
          return result;
        } catch (error) {
          spin.error(`${title} failed ${pc.dim(`(${formatDuration(now() - started)})`)}`);
          throw error;
        }
      }
      write(`${pc.dim('…')} ${title}`);
      let lastUpdate = 0;
      try {
        const result = await work((m) => {
          // Without a spinner, progress is a line at most every 5 s so logs stay readable.
          const at = now();
          if (at - lastUpdate > 5000) {
            lastUpdate = at;
            write(`  ${pc.dim(`${title}: ${m} (${formatDuration(at - started)})`)}`);
          }
        });
        const mark = failed?.(result) ? `${pc.red('✖')} ${title} failed` : `${pc.green('✔')} ${title}`;
        write(`${mark} ${pc.dim(`(${formatDuration(now() - started)})`)}`);
        return result;
      } catch (error) {
        write(`${pc.red('✖')} ${title} failed ${pc.dim(`(${formatDuration(now() - started)})`)}`);
        throw error;
      }
    },
  };
}
