import { parse } from '@babel/parser';
import { describe, expect, it } from 'vitest';
import { parseServiceOptions } from '../../../../src/options/schema.js';
import { renderBootstrap } from '../../../../src/runtimes/node/existing/bootstrap.js';
import { BOOTSTRAP_MARKER } from '../../../../src/runtimes/node/existing/project.js';
import { stripTypes } from '../../../../src/runtimes/node/existing/strip-types.js';

describe('stripTypes', () => {
  it('erases annotations, type imports, generics, implements, as, ! and modifiers', () => {
    const ts = [
      "import type { A } from 'a';",
      "import { b, type C } from 'b';",
      'interface I { x: number }',
      'export type T = string;',
      'const r: Record<string, string> = {};',
      'function f(x?: number, y: string = "s"): Promise<void> { return new Promise<void>((ok) => ok()); }',
      'class K extends Base implements I, J { override m(a: number): void {} private readonly z: number = 1; }',
      'const v = (r as unknown) as number; const w = r!; const s = r satisfies object;',
    ].join('\n');
    const js = stripTypes(ts);
    expect(() => parse(js, { sourceType: 'module' })).not.toThrow();
    expect(js).toContain("import { b } from 'b';");
    expect(js).not.toMatch(
      /interface|type |Record|Promise<void>|implements|override|private|readonly|\bas\b|satisfies|r!/,
    );
    expect(js).toContain('function f(x, y = "s") {');
    expect(js).toContain('class K extends Base {');
  });

  it('refuses syntax that is not erasable', () => {
    expect(() => stripTypes('enum E { A }')).toThrow(/not erasable/);
  });
});

describe('renderBootstrap', () => {
  it('is plain JavaScript holding the generated configuration and the signal flush', () => {
    const options = parseServiceOptions({ serviceName: 'shop "api"', framework: 'express', excludedUrls: ['/health'] });
    const js = renderBootstrap(options, 'server.js');
    expect(js.startsWith(BOOTSTRAP_MARKER)).toBe(true);
    expect(() => parse(js, { sourceType: 'module' })).not.toThrow();
    expect(js).toContain(`export const SERVICE_NAME = 'shop "api"';`);
    expect(js).toContain('new BatchSpanProcessor(');
    expect(js).toContain('ExpressInstrumentation');
    expect(js).toContain('process.once(signal');
    expect(js).not.toMatch(/from '\.\/(instrumentations|otel-config)\.js'/);
    expect(js).toContain('node --import ./telemetry.mjs server.js');
  });
});
