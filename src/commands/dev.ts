/**
 * `dev [dir]`: the project's own service, started as the smoke test starts it (with its server's reloader
 * unless --no-reload), its OTLP exporters pointed at the built-in receiver, and the live page. Ctrl-C stops
 * the service first (it flushes to the receiver), then the view; nothing is left running.
 */
import path from 'node:path';
import pc from 'picocolors';
import { readAnswers } from '../answers/read.js';
import { serviceFramework } from '../catalog/frameworks/index.js';
import { EXIT_FAILURE } from '../core/errors.js';
import { interruptedBy, onInterruptCleanup } from '../core/interrupt.js';
import type { Ui } from '../core/ui.js';
import { readAppEnv } from '../pipeline/app-env.js';
import { runtimeOf } from '../runtimes/index.js';
import { smokeProtocol } from '../smoke/phase.js';
import { listensElsewhere, startService, waitUntilReady } from '../smoke/service.js';
import type { RunningView } from '../view/index.js';
import { announce, portFlag, startViewOrFallback, untilInterrupted, type ViewFlags, viewOptions } from './view.js';

export interface DevFlags extends ViewFlags {
  servicePort?: string;
  /** --no-reload sets it false. */
  reload?: boolean;
}

/**
 * How soon the service's batch processors export (OTEL_BSP_ / OTEL_BLRP_SCHEDULE_DELAY): a request's trace is
 * on screen within about this plus the page's 200 ms push, instead of the generated 5 s default. Metrics every
 * 5 s instead of 60 s, so that the route table moves while one watches.
 */
export const DEV_EXPORT_DELAY_MS = 200;
export const DEV_METRIC_INTERVAL_MS = 5000;
const STOP_GRACE_MS = 10_000;
const READY_TIMEOUT_MS = 60_000;

/** What the service's OpenTelemetry SDK reads to export to the view (any OTEL_* of the caller's shell is dropped). */
export function devTelemetryEnv(view: Pick<RunningView, 'receiver'>, protocol: 'grpc' | 'http/protobuf') {
  return {
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? view.receiver.grpcEndpoint : view.receiver.httpEndpoint,
    // Plaintext is right only here: the receiver listens on loopback inside this process.
    OTEL_EXPORTER_OTLP_INSECURE: 'true',
    OTEL_BSP_SCHEDULE_DELAY: String(DEV_EXPORT_DELAY_MS),
    OTEL_BLRP_SCHEDULE_DELAY: String(DEV_EXPORT_DELAY_MS),
    OTEL_METRIC_EXPORT_INTERVAL: String(DEV_METRIC_INTERVAL_MS),
  };
}

export async function devCommand(
  dirArg: string | undefined,
  flags: DevFlags,
  ui: Ui,
): Promise<{ code: number; result: unknown }> {
  const directory = path.resolve(dirArg ?? '.');
  const answers = await readAnswers(directory);
  const options = viewOptions(flags, { grpcPort: 0, httpPort: 0 });
  const servicePort = portFlag(flags.servicePort, '--service-port') ?? 8000;
  const runtime = runtimeOf(answers.options.framework);
  const framework = serviceFramework(answers.options.framework);
  const dev = runtime.devService(directory, framework, answers.existing, flags.reload !== false);
  if (answers.options.exporter === 'console')
    ui.warn(
      'this service exports to the console, not OTLP: the page stays empty (regenerate with --exporter otlp-grpc)',
    );
  const appEnv = answers.existing ? (await readAppEnv(directory, undefined, ui)).env : {};
  const { prepare } = dev;
  const envDir = prepare ? await ui.step(prepare.title, (update) => prepare.run(update)) : (dev.envDir ?? '');

  const view = await startViewOrFallback(options);
  const env = runtime.serviceEnv(envDir, {
    ...appEnv,
    ...devTelemetryEnv(view, smokeProtocol(answers.options.exporter)),
  });
  // The build in watch mode has nothing to flush: it is killed at once on our interrupt, or when start-up fails.
  const companion = dev.companion && startService(dev.companion, { cwd: directory, env, passthrough: true });
  const argv = dev.command(servicePort);
  ui.info(`Starting ${argv.join(' ')}`);
  const service = startService(argv, {
    cwd: directory,
    env,
    passthrough: true,
    interruptGraceMs: STOP_GRACE_MS,
  });
  // The service's own cleanup sends SIGTERM; the view closes once it exited, so its last export still lands.
  onInterruptCleanup(async () => {
    await Promise.race([service.exited, new Promise((r) => setTimeout(r, STOP_GRACE_MS + 1000))]);
    await view.close();
  });
  let listening = servicePort;
  try {
    const ready = await waitUntilReady(`http://127.0.0.1:${servicePort}${dev.readyPath}`, service, READY_TIMEOUT_MS, {
      anyStatus: dev.anyStatus,
    });
    // A service that reads API_PORT or a config file instead of PORT is shown where it really listens.
    if (ready.listeningOn !== undefined) {
      listening = ready.listeningOn;
      ui.warn(listensElsewhere(listening, servicePort));
    }
  } catch (error) {
    ui.warn((error as Error).message);
    service.kill();
    companion?.kill();
    await view.close();
    return { code: EXIT_FAILURE, result: { ok: false, error: (error as Error).message } };
  }
  ui.success(`Service: ${pc.bold(`http://127.0.0.1:${listening}/`)}`);
  await announce(view, flags, ui);
  if (dev.reloads) ui.info('It restarts when its source changes (--no-reload: it does not).');
  ui.info('Send it requests; their traces, logs and metrics appear on the page. Ctrl-C stops both.');
  void service.exited.then((r) => {
    if (interruptedBy()) return;
    ui.warn(
      `the service exited (${r.code === null ? `signal ${r.signal}` : `code ${r.code}`}); the page stays up until Ctrl-C`,
    );
  });
  return untilInterrupted();
}
