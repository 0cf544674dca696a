import { describe, expect, it } from 'vitest';
import { contribLineFor, isMatchedPair, OTEL_LINES } from '../../src/catalog/python-sets.js';

describe('pinned OpenTelemetry sets', () => {
  it.each(Object.entries(OTEL_LINES))('%s pairs SDK %o with its contrib release (0.(N+21)bX)', (name, line) => {
    expect(line.sdk.startsWith(`${name}.`)).toBe(true);
    expect(isMatchedPair(line.sdk, line.contrib)).toBe(true);
    // A line's earlier patch, for instrumentations missing from its latest contrib release, pairs too.
    if ('previousPatch' in line) {
      expect(line.previousPatch.sdk.startsWith(`${name}.`)).toBe(true);
      expect(isMatchedPair(line.previousPatch.sdk, line.previousPatch.contrib)).toBe(true);
    }
  });

  it('the rule rejects a mismatched pair', () => {
    expect(contribLineFor('1.45.2')).toBe('0.66');
    expect(isMatchedPair('1.45.2', '0.65b0')).toBe(false);
  });
});
