/**
 * The live view as one piece: an OTLP receiver accepting any local exporter, a bounded store, optionally a
 * file of OTLP/JSON lines written as data arrives (--save) or replayed first (--load), and the page server.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { UsageError } from '../core/errors.js';
import { type Receiver, startReceiver } from '../receiver/index.js';
import { batchToJsonLine, jsonLineToBatch } from './otlp-json.js';
import { type PageServer, startPageServer } from './server.js';
import { type ViewCaps, ViewStore } from './store.js';

export { ViewStore, DEFAULT_CAPS } from './store.js';
export type { ViewCaps, TraceSummary, TraceFilter } from './store.js';
export { startPageServer } from './server.js';

export interface ViewOptions {
  /** 4317 and 4318 by default; 0: a free port. */
  grpcPort?: number;
  httpPort?: number;
  /** The page's port (0 or absent: a free one). */
  pagePort?: number;
  caps?: Partial<ViewCaps>;
  /** Append what arrives to this file, one OTLP/JSON export request per line. */
  save?: string;
  /** Replay this file of OTLP/JSON lines into the store before serving. */
  load?: string;
  assetsDir?: string;
}

export interface RunningView {
  store: ViewStore;
  receiver: Receiver;
  page: PageServer;
  /** Lines replayed from --load. */
  loaded: number;
  /** Stops taking data, waits for in-flight exports, flushes --save, frees every port. */
  close(): Promise<void>;
}

export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;

/** Replays a saved file; a line that is not OTLP/JSON stops it with the line's number. */
export async function loadInto(store: ViewStore, file: string): Promise<number> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', (err) => reject(new UsageError(`cannot read ${file}: ${err.message}`)));
  });
  await opened;
  let lineNo = 0;
  let loaded = 0;
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    lineNo++;
    if (!line.trim()) continue;
    try {
      store.add(jsonLineToBatch(line, Date.now()));
    } catch (err) {
      input.destroy();
      throw new UsageError(`${file}:${lineNo}: ${(err as Error).message}`);
    }
    loaded++;
  }
  return loaded;
}

function portInUse(err: unknown, flag: string, port: number | string | undefined): never {
  const text = String((err as Error).message ?? err);
  if (/EADDRINUSE|address already in use|No address added/i.test(text))
    throw new UsageError(`port ${port} is in use (another collector or viewer?): choose another with ${flag}`);
  throw err;
}

async function openSave(file: string): Promise<WriteStream> {
  const out = createWriteStream(file, { flags: 'a' });
  await new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', (err) => reject(new UsageError(`cannot write ${file}: ${err.message}`)));
  });
  return out;
}

export async function startView(options: ViewOptions = {}): Promise<RunningView> {
  const store = new ViewStore(options.caps);
  const loaded = options.load ? await loadInto(store, options.load) : 0;
  const save = options.save ? await openSave(options.save) : undefined;
  const grpcPort = options.grpcPort ?? OTLP_GRPC_PORT;
  const httpPort = options.httpPort ?? OTLP_HTTP_PORT;
  // Any local exporter counts (no run header), nothing accumulates in the receiver, and the store's caps,
  // which drop the oldest, replace the smoke test's per-run caps, which refuse the newest.
  const receiver = await startReceiver({
    grpcPort,
    httpPort,
    retain: false,
    limits: { maxRunItems: Number.POSITIVE_INFINITY, maxRunBytes: Number.POSITIVE_INFINITY },
  }).catch((err: unknown) => {
    save?.end();
    return portInUse(err, '--grpc-port / --http-port', `${grpcPort} or ${httpPort}`);
  });
  receiver.onBatch((batch) => {
    store.add(batch);
    save?.write(batchToJsonLine(batch));
  });
  const page = await startPageServer(store, {
    ...(options.pagePort !== undefined ? { port: options.pagePort } : {}),
    ...(options.assetsDir ? { assetsDir: options.assetsDir } : {}),
  }).catch(async (err: unknown) => {
    await receiver.close();
    save?.end();
    return portInUse(err, '--port', options.pagePort);
  });
  let closing: Promise<void> | undefined;
  return {
    store,
    receiver,
    page,
    loaded,
    close: () => {
      closing ??= (async () => {
        await receiver.close();
        await page.close();
        if (save) await new Promise<void>((resolve) => save.end(() => resolve()));
      })();
      return closing;
    },
  };
}
