import { describe, expect, it } from 'vitest';
import { cliCommand } from '../../src/core/invocation.js';

describe('the command printed to run the CLI again', () => {
  it('is npx for an installed package (npx cache, npm create, local or global install)', () => {
    expect(cliCommand('/home/u/svc', '/home/u/.npm/_npx/1a2b/node_modules/.bin/create-traced-service')).toBe(
      'npx create-traced-service',
    );
    expect(cliCommand('/home/u/svc', '/usr/lib/node_modules/create-traced-service/bin/create-traced-service.js')).toBe(
      'npx create-traced-service',
    );
  });

  it('is node with the script relative to the project for a clone', () => {
    expect(cliCommand('/src/cts/my-svc', '/src/cts/bin/create-traced-service.js')).toBe(
      'node ../bin/create-traced-service.js',
    );
  });

  it('is node with the absolute script when the relative path climbs far, quoted when it has spaces', () => {
    expect(cliCommand('/tmp/a/b/c/svc', '/src/cts/bin/create-traced-service.js')).toBe(
      'node /src/cts/bin/create-traced-service.js',
    );
    expect(cliCommand('/src/my cts/svc', '/src/my cts/bin/cli.js')).toBe('node ../bin/cli.js');
    expect(cliCommand('/tmp/a/b/c/svc', '/src/my cts/bin/cli.js')).toBe("node '/src/my cts/bin/cli.js'");
  });
});
