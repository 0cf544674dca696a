/** `view`: the OTLP receiver on the standard ports and the live page, for any process that exports OTLP. */
import pc from 'picocolors';
import { UsageError } from '../core/errors.js';
import { onInterruptCleanup } from '../core/interrupt.js';
import type { Ui } from '../core/ui.js';
import { type RunningView, startView, type ViewOptions } from '../view/index.js';
import { openInBrowser } from '../view/open.js';

export interface ViewFlags {
  grpcPort?: string;
  httpPort?: string;
  port?: string;
  open?: boolean;
  save?: string;
  load?: string;
  maxSpans?: string;
}

/** The page's port when --port is not given: fixed, so that a bookmark keeps working. */
export const DEFAULT_PAGE_PORT = 4320;

export function portFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65_535)
    throw new UsageError(`${flag} must be a port number (0-65535), not ${value}`);
  return n;
}

export function countFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1)
    throw new UsageError(`${flag} must be a positive whole number, not ${value}`);
  return n;
}

/** The options shared by `view` and `dev`, checked before anything starts. */
export function viewOptions(flags: ViewFlags, defaults: { grpcPort: number; httpPort: number }): ViewOptions {
  const maxSpans = countFlag(flags.maxSpans, '--max-spans');
  const pagePort = portFlag(flags.port, '--port');
  return {
    grpcPort: portFlag(flags.grpcPort, '--grpc-port') ?? defaults.grpcPort,
    httpPort: portFlag(flags.httpPort, '--http-port') ?? defaults.httpPort,
    ...(pagePort !== undefined ? { pagePort } : {}),
    ...(maxSpans ? { caps: { maxSpans } } : {}),
    ...(flags.save ? { save: flags.save } : {}),
    ...(flags.load ? { load: flags.load } : {}),
  };
}

/** Starts the view; without --port, the usual page port, or any free one when that is taken. */
export async function startViewOrFallback(options: ViewOptions): Promise<RunningView> {
  if (options.pagePort !== undefined) return startView(options);
  try {
    return await startView({ ...options, pagePort: DEFAULT_PAGE_PORT });
  } catch (error) {
    if (!(error instanceof UsageError) || !error.message.includes(String(DEFAULT_PAGE_PORT))) throw error;
    return startView({ ...options, pagePort: 0 });
  }
}

/** Prints the page's address and opens it if asked. */
export async function announce(view: RunningView, flags: ViewFlags, ui: Ui): Promise<void> {
  ui.success(`Live view: ${pc.bold(view.page.url)}`);
  if (flags.open && !(await openInBrowser(view.page.url)))
    ui.warn('no browser could be opened: open the address above');
}

/** Until the process is interrupted: the signal handler closes the view and exits. */
export const untilInterrupted = (): Promise<never> => new Promise(() => {});

export async function viewCommand(flags: ViewFlags, ui: Ui): Promise<{ code: number; result: unknown }> {
  const options = viewOptions(flags, { grpcPort: 4317, httpPort: 4318 });
  const view = await startViewOrFallback(options);
  const { receiver } = view;
  ui.info(
    `Receiving OTLP on 127.0.0.1:${receiver.grpcPort} (gRPC) and ${receiver.httpEndpoint} (HTTP): traces, metrics and logs`,
  );
  if (view.loaded) ui.info(`Replayed ${view.loaded} export requests from ${options.load}`);
  if (options.save) ui.info(`Saving what arrives to ${options.save} (OTLP/JSON lines; view --load replays it)`);
  onInterruptCleanup(() => view.close());
  await announce(view, flags, ui);
  ui.info(
    `Point a service at it: OTEL_EXPORTER_OTLP_ENDPOINT=${receiver.grpcEndpoint} (gRPC) or ${receiver.httpEndpoint} (http/protobuf). Ctrl-C stops it.`,
  );
  return untilInterrupted();
}
