// npm's ERESOLVE report read back into one sentence naming both sides of the conflict (else only a log path shows).

const PREFIX = /^npm (?:error|ERR!) ?/;
const REQUIRED = /^\s*(.*?@"[^"]*") from (.+)$/;

/** The conflict npm reports in `output` as a sentence; undefined when npm failed for another reason. */
export function npmConflict(output: string): string | undefined {
  // Only npm's error lines: an install that succeeds may warn "ERESOLVE overriding peer dependency".
  const lines = output
    .split(/\r?\n/)
    .filter((l) => PREFIX.test(l))
    .map((l) => l.replace(PREFIX, '').trimEnd());
  if (!lines.some((l) => /\bERESOLVE\b/.test(l))) return undefined;
  const after = (label: string) => {
    const i = lines.findIndex((l) => l.startsWith(label));
    return i < 0 ? undefined : { head: lines[i]!.slice(label.length).trim(), rest: lines.slice(i + 1) };
  };
  /** The first `X@"spec" from Y` line of a block. */
  const requiredBy = (rest: string[] | undefined) => {
    for (const l of rest ?? []) {
      if (l.trim() === '') break;
      const m = REQUIRED.exec(l);
      if (m && /^\s/.test(l)) return { spec: m[1]!, from: m[2]! };
    }
    return undefined;
  };
  const found = after('Found:');
  const could = after('Could not resolve dependency:');
  const conflicting = after('Conflicting peer dependency:');
  const need = could?.rest[0] ? REQUIRED.exec(could.rest[0]) : null;
  if (!found?.head || !need) {
    // Another layout: the report's own lines between its first line and the advice, joined.
    const body = lines
      .filter(
        (l) => l.trim() && !/^(code |For a full report|A complete log|\/|Fix the upstream|[A-Z]:\\)/.test(l.trim()),
      )
      .slice(0, 8);
    return `npm cannot resolve the dependency tree (ERESOLVE): ${body.join(' | ')}`;
  }
  const by = requiredBy(found.rest);
  const dependentBy = requiredBy(could?.rest.slice(1));
  let sentence =
    `npm cannot resolve the dependency tree (ERESOLVE): ${found.head}` +
    (by ? ` is required by ${by.from} (${by.spec})` : ' is installed') +
    `, but ${need[2]}${dependentBy ? ` (${dependentBy.from}'s ${dependentBy.spec})` : ''} needs ${need[1]}`;
  if (conflicting?.head) sentence += `; npm would need ${conflicting.head}`;
  return sentence;
}
