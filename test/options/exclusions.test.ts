import { describe, expect, it } from 'vitest';
import { exactPathPattern, excludedUrlPatterns } from '../../src/options/exclusions.js';

/** What the instrumentations do with the list: re.search of the joined alternation in the full URL. */
const disabled = (list: string, url: string) => new RegExp(list.split(',').join('|')).test(url);

describe('excluded URL patterns', () => {
  const list = excludedUrlPatterns(['/healthz', '/docs', 'metrics', '/v1.0/status']);

  it('match the exact path on any host, with or without a query string', () => {
    for (const url of [
      'http://h:8000/healthz',
      'https://svc.example/docs?x=1',
      'http://h/metrics',
      'http://h/v1.0/status',
    ]) {
      expect(disabled(list, url), url).toBe(true);
    }
  });

  it('leave look-alike routes traced', () => {
    for (const url of [
      'http://h/docsearch',
      'http://h/api/healthz',
      'http://h/healthz/deep',
      'http://h/metrics-report',
      'http://h/v1x0/status',
    ]) {
      expect(disabled(list, url), url).toBe(false);
    }
  });

  it('pass a regular expression through as written', () => {
    expect(exactPathPattern('/internal/.*')).toBe('/internal/.*');
  });
});
