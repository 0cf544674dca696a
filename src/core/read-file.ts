/**
 * The one way a file of a user's project (or a file the user named) is read: regular files only, bounded in
 * size, UTF-8 checked for text. Opened non-blocking and checked on the open descriptor, so a FIFO, a device
 * or a socket put where a file is expected is refused at once instead of blocking the CLI forever.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import { fsp } from './fs-promises.js';
import path from 'node:path';
import { UsageError } from './errors.js';

/** Larger than any file this tool reads or edits (lock files included); a bound, not a budget. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

// O_NONBLOCK makes opening a FIFO return at once (the descriptor is then refused); a regular file ignores it.
const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

export interface ReadOptions {
  /** Refused when larger (default MAX_FILE_BYTES). */
  maxBytes?: number;
  /** The file (symlinks resolved) must be inside this directory. */
  within?: string;
  /** How the file is named in errors (default: relative to the working directory when below it). */
  label?: string;
}

/** A file that is not one this tool reads: one line naming it and why. Exit 2, like any bad input. */
export class UnreadableFileError extends UsageError {
  override name = 'UnreadableFileError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Why the bytes are not text this tool can edit (UTF-8), or undefined when they are. */
export function notUtf8(bytes: Uint8Array): string | undefined {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return 'UTF-16, not UTF-8';
  try {
    UTF8.decode(bytes);
    return undefined;
  } catch {
    return 'not UTF-8';
  }
}

function labelOf(file: string, options: ReadOptions): string {
  if (options.label) return options.label;
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

function kindOf(s: Stats): string | undefined {
  if (s.isFile()) return undefined;
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'a special file';
}

const megabytes = (n: number) =>
  n < 1024 ? `${n} bytes` : n < 1024 * 1024 ? `${Math.round(n / 1024)} KB` : `${Math.round(n / 1024 / 1024)} MB`;

function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Errors of opening that say what the path is, as one line; a missing file keeps its own error (ENOENT). */
function openError(error: unknown, file: string, options: ReadOptions): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENXIO') return new UnreadableFileError(labelOf(file, options), 'is a socket, not a regular file');
  if (code === 'ELOOP') return new UnreadableFileError(labelOf(file, options), 'is a symlink loop');
  return error;
}

function checked(s: Stats, file: string, options: ReadOptions): number {
  const kind = kindOf(s);
  if (kind) throw new UnreadableFileError(labelOf(file, options), `is ${kind}, not a regular file`);
  const max = options.maxBytes ?? MAX_FILE_BYTES;
  if (s.size > max) throw new UnreadableFileError(labelOf(file, options), `is larger than ${megabytes(max)}`);
  return max;
}

function outside(file: string, options: ReadOptions): UnreadableFileError {
  return new UnreadableFileError(labelOf(file, options), `leads outside ${options.within}`);
}

function tooLarge(file: string, options: ReadOptions, max: number): UnreadableFileError {
  return new UnreadableFileError(labelOf(file, options), `is larger than ${megabytes(max)}`);
}

/** Chunks read to the end, not to the size stat gave: a file growing meanwhile still meets the bound. */
class Bounded {
  private readonly chunks: Buffer[] = [];
  private total = 0;
  constructor(
    private readonly file: string,
    private readonly options: ReadOptions,
    private readonly max: number,
  ) {}
  next(): Buffer {
    return Buffer.alloc(64 * 1024);
  }
  /** Keeps what was read; false at the end of the file. */
  add(chunk: Buffer, bytesRead: number): boolean {
    if (bytesRead === 0) return false;
    this.total += bytesRead;
    if (this.total > this.max) throw tooLarge(this.file, this.options, this.max);
    this.chunks.push(chunk.subarray(0, bytesRead));
    return true;
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.total);
  }
}

/** The file's bytes; refused when it is not a regular file, too large, or (with `within`) outside. */
export async function readFileBytes(file: string, options: ReadOptions = {}): Promise<Buffer> {
  if (options.within && !isInside(await fsp().realpath(options.within), await fsp().realpath(file)))
    throw outside(file, options);
  const handle = await fsp()
    .open(file, FLAGS)
    .catch((error: unknown) => {
      throw openError(error, file, options);
    });
  try {
    const into = new Bounded(file, options, checked(await handle.stat(), file, options));
    for (let chunk = into.next(); into.add(chunk, (await handle.read(chunk, 0, chunk.length, null)).bytesRead); )
      chunk = into.next();
    return into.bytes();
  } finally {
    await handle.close();
  }
}

export function readFileBytesSync(file: string, options: ReadOptions = {}): Buffer {
  if (options.within && !isInside(realpathSync(options.within), realpathSync(file))) throw outside(file, options);
  let fd: number;
  try {
    fd = openSync(file, FLAGS);
  } catch (error) {
    throw openError(error, file, options);
  }
  try {
    const into = new Bounded(file, options, checked(fstatSync(fd), file, options));
    for (let chunk = into.next(); into.add(chunk, readSync(fd, chunk, 0, chunk.length, null)); ) chunk = into.next();
    return into.bytes();
  } finally {
    closeSync(fd);
  }
}

function decoded(bytes: Buffer, file: string, options: ReadOptions): string {
  const problem = notUtf8(bytes);
  if (problem) throw new UnreadableFileError(labelOf(file, options), `is ${problem}; save it as UTF-8`);
  return bytes.toString('utf8');
}

/** The file's text; also refused when it is not UTF-8 (never read as U+FFFD replacement characters). */
export async function readText(file: string, options: ReadOptions = {}): Promise<string> {
  return decoded(await readFileBytes(file, options), file, options);
}

export function readTextSync(file: string, options: ReadOptions = {}): string {
  return decoded(readFileBytesSync(file, options), file, options);
}

const missing = (error: unknown) => ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');

/** The file's text, or undefined when there is no such file; anything else wrong with it is refused. */
export async function readTextIfExists(file: string, options: ReadOptions = {}): Promise<string | undefined> {
  try {
    return await readText(file, options);
  } catch (error) {
    if (missing(error)) return undefined;
    throw error;
  }
}

export function readTextIfExistsSync(file: string, options: ReadOptions = {}): string | undefined {
  try {
    return readTextSync(file, options);
  } catch (error) {
    if (missing(error)) return undefined;
    throw error;
  }
}
