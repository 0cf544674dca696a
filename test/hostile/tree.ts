/** Exact pictures of a directory tree (types, contents, link targets, modes) to prove nothing changed. */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

export type Entry =
  | { type: 'file'; content: string; mode: number }
  | { type: 'dir'; mode: number }
  | { type: 'link'; to: string }
  | { type: 'special' };

/** Every entry below `dir` (symlinks are recorded, never followed; special files are never opened). */
export function picture(dir: string, rel = ''): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    const child = rel ? `${rel}/${name}` : name;
    const full = path.join(dir, child);
    const st = lstatSync(full);
    if (st.isSymbolicLink()) out[child] = { type: 'link', to: readlinkSync(full) };
    else if (st.isDirectory()) {
      out[child] = { type: 'dir', mode: st.mode & 0o7777 };
      Object.assign(out, picture(dir, child));
    } else if (st.isFile()) out[child] = { type: 'file', content: readFileSync(full, 'utf8'), mode: st.mode & 0o7777 };
    else out[child] = { type: 'special' };
  }
  return out;
}

/** Leftovers of an interrupted or failed write anywhere below `dir`. */
export function leftovers(dir: string): string[] {
  return Object.keys(picture(dir)).filter((p) => /\.tmp-|\.create-traced-service\.writing/.test(p));
}
