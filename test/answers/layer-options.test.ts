/** One precedence for options: flag > --config > answers file > default, with fixed values over all. */
import { describe, expect, it } from 'vitest';
import { layerOptions } from '../../src/answers/layer-options.js';

describe('layerOptions', () => {
  const layers = {
    defaults: { serviceName: 'dir-name', exporter: 'default-exporter', samplerRatio: 1, logLevel: 'info' },
    answers: { serviceName: 'from-answers', exporter: 'answers-exporter', samplerRatio: 0.5 },
    config: { serviceName: 'from-config', exporter: 'config-exporter' },
    flags: { serviceName: 'from-flag' },
  };

  it('takes each key from the highest layer that gives it', () => {
    expect(layerOptions(layers).raw).toEqual({
      serviceName: 'from-flag',
      exporter: 'config-exporter',
      samplerRatio: 0.5,
      logLevel: 'info',
    });
  });

  it('lets a fixed value win over every layer, flags included', () => {
    const { raw } = layerOptions({ ...layers, flags: { framework: 'flask' }, fixed: { framework: 'django' } });
    expect(raw.framework).toBe('django');
  });

  it('keeps only the keys asked for', () => {
    const { raw } = layerOptions({ ...layers, answers: { ...layers.answers, existing: {} }, keys: ['serviceName'] });
    expect(raw).toEqual({ serviceName: 'from-flag' });
  });

  it('names the config file only for a key that it alone gave', () => {
    const { sourceOf } = layerOptions(layers);
    expect(sourceOf('serviceName')).toBe('flag');
    expect(sourceOf('exporter')).toBe('config');
    // From the answers file or a default: the user fixes it with a flag.
    expect(sourceOf('samplerRatio')).toBe('flag');
    expect(sourceOf('logLevel')).toBe('flag');
  });

  it('works with flags alone', () => {
    const { raw, sourceOf } = layerOptions({ flags: { serviceName: 'x' } });
    expect(raw).toEqual({ serviceName: 'x' });
    expect(sourceOf('serviceName')).toBe('flag');
  });
});
