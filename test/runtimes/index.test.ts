/**
 * The runtime registry: every runtime is reached through it, owns its template folders and its handling of
 * existing services, and no command names a runtime's own modules (adding one touches no command).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_FRAMEWORKS } from '../../src/catalog/frameworks/index.js';
import { RUNTIMES, runtimeFor, runtimeOf } from '../../src/runtimes/index.js';
import { REPO_ROOT, scratchDir } from '../support/helpers.js';

const runtimes = Object.entries(RUNTIMES);

describe('the runtime registry', () => {
  it('lists every runtime by its own name', () => {
    expect(runtimes.length).toBeGreaterThanOrEqual(2);
    for (const [key, runtime] of runtimes) expect(runtime.name).toBe(key);
  });

  it.each(runtimes)('%s: its template layers exist under templates/', (_name, runtime) => {
    for (const layer of runtime.baseLayers) {
      const dir = typeof layer === 'string' ? layer : layer.dir;
      expect(existsSync(path.join(REPO_ROOT, 'templates', dir)), dir).toBe(true);
    }
  });

  it.each(runtimes)('%s: handles existing services (add-tracing, doctor, smoke)', async (_name, runtime) => {
    const existing = await runtime.existing();
    expect(typeof existing.planTracing).toBe('function');
    expect(typeof existing.diagnose).toBe('function');
    expect(typeof existing.smoke).toBe('function');
  });

  it('gives every framework a registered runtime', () => {
    for (const framework of ALL_FRAMEWORKS) expect(runtimeOf(framework.name)).toBe(RUNTIMES[framework.runtime]);
  });

  it('finds the runtime of a directory from its marker files; Python markers win over a package.json', () => {
    const dir = scratchDir();
    expect(runtimeFor(dir).name).toBe('python');
    writeFileSync(path.join(dir, 'package.json'), '{}');
    expect(runtimeFor(dir).name).toBe('node');
    writeFileSync(path.join(dir, 'requirements.txt'), 'flask\n');
    expect(runtimeFor(dir).name).toBe('python');
    const sub = path.join(dir, 'sub');
    mkdirSync(sub);
    expect(runtimeFor(sub).name).toBe('python');
  });

  it("no command imports a runtime's own modules: commands reach runtimes through the registry", () => {
    const commands = path.join(REPO_ROOT, 'src', 'commands');
    const offending: string[] = [];
    for (const file of readdirSync(commands)) {
      const text = readFileSync(path.join(commands, file), 'utf8');
      for (const m of text.matchAll(/from '(\.\.\/runtimes\/[^']+)'|import\('(\.\.\/runtimes\/[^']+)'\)/g)) {
        const spec = m[1] ?? m[2]!;
        if (spec !== '../runtimes/index.js') offending.push(`${file}: ${spec}`);
      }
      for (const name of Object.keys(RUNTIMES))
        if (new RegExp(`\\.name [!=]== '${name}'`).test(text)) offending.push(`${file}: asks for ${name}`);
    }
    expect(offending).toEqual([]);
  });
});
