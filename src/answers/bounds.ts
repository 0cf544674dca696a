/** Versions in the files the CLI reads (--config, the answers file): which CLI wrote them, and whether it is newer. */

export type Version = [number, number, number];

export function parseVersion(v: string): Version | undefined {
  const m = /^(\d{1,6})\.(\d{1,6})\.(\d{1,6})(?:[-+][0-9A-Za-z.-]{1,40})?$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export const compareVersions = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** The refusal of a file written by a newer CLI, which may mean things this one does not know. */
export function newerVersionMessage(written: string, ours: string): string | undefined {
  const version = parseVersion(written);
  if (!version || compareVersions(version, parseVersion(ours) ?? [0, 0, 0]) <= 0) return undefined;
  return `was written by create-traced-service ${written}, newer than this one (${ours}); run that version or a newer one`;
}
