/**
 * The order files are listed in: case-insensitive, then by code unit. For the paths the templates hold
 * it is the order `localeCompare` gives, without loading the ICU collator (several ms of start-up).
 */
export function comparePaths(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
