/** The one reader of project files: regular files only, bounded, UTF-8, and never blocking on a FIFO. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  readFileBytes,
  readText,
  readTextIfExists,
  readTextIfExistsSync,
  readTextSync,
  UnreadableFileError,
} from '../../src/core/read-file.js';
import { scratchDir } from '../support/helpers.js';

function dir(): string {
  const d = scratchDir('cts-read-');
  writeFileSync(path.join(d, 'ok.txt'), 'héllo\n');
  execFileSync('mkfifo', [path.join(d, 'pipe')]);
  mkdirSync(path.join(d, 'sub'));
  symlinkSync('/dev/zero', path.join(d, 'zero'));
  writeFileSync(path.join(d, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
  return d;
}

describe('readText', () => {
  it('reads a regular UTF-8 file, async and sync', async () => {
    const d = dir();
    expect(await readText(path.join(d, 'ok.txt'))).toBe('héllo\n');
    expect(readTextSync(path.join(d, 'ok.txt'))).toBe('héllo\n');
  });

  it.each([
    ['pipe', 'is a FIFO (named pipe), not a regular file'],
    ['sub', 'is a directory, not a regular file'],
    ['zero', 'is a device, not a regular file'],
    ['latin1.txt', 'is not UTF-8; save it as UTF-8'],
  ])('refuses %s at once: %s', async (name, reason) => {
    const d = dir();
    const file = path.join(d, name);
    await expect(readText(file, { label: name })).rejects.toThrow(new UnreadableFileError(name, reason).message);
    expect(() => readTextSync(file, { label: name })).toThrow(`${name}: ${reason}`);
  });

  it('refuses a file over the bound, and one that leads outside `within`', async () => {
    const d = dir();
    await expect(readFileBytes(path.join(d, 'ok.txt'), { maxBytes: 3, label: 'ok.txt' })).rejects.toThrow(
      /^ok\.txt: is larger than 3 bytes$/,
    );
    symlinkSync('/etc/hostname', path.join(d, 'out'));
    await expect(readText(path.join(d, 'out'), { within: d, label: 'out' })).rejects.toThrow(/^out: leads outside /);
  });

  it('a missing file is undefined with IfExists, and nothing else is', async () => {
    const d = dir();
    expect(await readTextIfExists(path.join(d, 'none'))).toBeUndefined();
    expect(readTextIfExistsSync(path.join(d, 'ok.txt', 'below'))).toBeUndefined();
    expect(() => readTextIfExistsSync(path.join(d, 'pipe'))).toThrow(UnreadableFileError);
  });
});
