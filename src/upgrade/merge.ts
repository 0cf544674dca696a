/**
 * Three-way merge of one text file, line by line (node-diff3): base = what the tool wrote then, ours = the
 * user's file now, theirs = the new render. Conflicts are written inline as git-style markers, with the
 * base between `|||||||` and `=======` (git's diff3 style) so the reader sees what each side changed. With
 * no base at all, a two-way merge marks every difference.
 */
import { diff3Merge, diffComm } from 'node-diff3';
import { splitLines } from '../core/text-lines.js';

export interface MergeLabels {
  ours: string;
  base: string;
  theirs: string;
}

export interface MergeResult {
  text: string;
  /** Number of conflict blocks written into `text`. */
  conflicts: number;
}

const terminated = (lines: string[], nl: string) => lines.map((l) => (l.endsWith('\n') ? l : l + nl));

export function merge3(base: string, ours: string, theirs: string, labels: MergeLabels): MergeResult {
  if (ours === base || ours === theirs) return { text: theirs, conflicts: 0 };
  if (theirs === base) return { text: ours, conflicts: 0 };
  const nl = ours.includes('\r\n') ? '\r\n' : '\n';
  const regions = diff3Merge(splitLines(ours), splitLines(base), splitLines(theirs), { excludeFalseConflicts: true });
  const out: string[] = [];
  let conflicts = 0;
  for (const region of regions) {
    if (region.ok) {
      out.push(...region.ok);
      continue;
    }
    const c = region.conflict!;
    conflicts++;
    // A side whose last line had no newline gets one, so the marker after it starts its own line.
    if (out.length > 0 && !out.at(-1)!.endsWith('\n')) out[out.length - 1] += nl;
    out.push(
      `<<<<<<< ${labels.ours}${nl}`,
      ...terminated(c.a, nl),
      `||||||| ${labels.base}${nl}`,
      ...terminated(c.o, nl),
      `=======${nl}`,
      ...terminated(c.b, nl),
      `>>>>>>> ${labels.theirs}${nl}`,
    );
  }
  return { text: out.join(''), conflicts };
}

/**
 * Two-way merge, for a file with no base to merge against: every place where the user's file and the new
 * render differ becomes a conflict block (no base section), since without a base nothing says which side
 * changed it. Equal texts give the new render.
 */
export function merge2(ours: string, theirs: string, labels: Pick<MergeLabels, 'ours' | 'theirs'>): MergeResult {
  if (ours === theirs) return { text: theirs, conflicts: 0 };
  const nl = ours.includes('\r\n') ? '\r\n' : '\n';
  const out: string[] = [];
  let conflicts = 0;
  for (const chunk of diffComm(splitLines(ours), splitLines(theirs))) {
    if (chunk.common) {
      out.push(...chunk.common);
      continue;
    }
    conflicts++;
    if (out.length > 0 && !out.at(-1)!.endsWith('\n')) out[out.length - 1] += nl;
    out.push(
      `<<<<<<< ${labels.ours}${nl}`,
      ...terminated(chunk.buffer1 ?? [], nl),
      `=======${nl}`,
      ...terminated(chunk.buffer2 ?? [], nl),
      `>>>>>>> ${labels.theirs}${nl}`,
    );
  }
  return { text: out.join(''), conflicts };
}

/** 1-based lines holding a conflict marker that the merge writes (and git writes). */
export function conflictMarkerLines(text: string): number[] {
  const lines: number[] = [];
  splitLines(text).forEach((line, i) => {
    if (/^(<{7}|>{7})( |\r?\n?$)/.test(line)) lines.push(i + 1);
  });
  return lines;
}
