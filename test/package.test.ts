/** The published package works on its own: the bundle in dist/ runs with no node_modules at all. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listTree, REPO_ROOT, scratchDir } from './support/helpers.js';

const dir = scratchDir('cts-pack-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed package', () => {
  // --ignore-scripts: `prepare` would rebuild dist/ under the other tests' feet; `npm test` built it.
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }),
  ) as { filename: string; files: { path: string }[] }[];
  execFileSync('tar', ['-xzf', path.join(dir, packed!.filename), '-C', dir]);
  const root = path.join(dir, 'package');
  const cli = path.join(root, 'bin', 'create-traced-service.js');

  it('has no runtime dependencies and ships the bundle, not the sources', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.dependencies ?? {}).toEqual({});
    const files = packed!.files.map((f) => f.path);
    expect(files).toContain('dist/cli.cjs');
    expect(files).toContain('bin/code-cache.cjs');
    // TypeScript under templates/ is what Node services are generated from, not the CLI's source.
    expect(files.filter((f) => f.startsWith('src/') || (f.endsWith('.ts') && !f.startsWith('templates/')))).toEqual([]);
    expect(existsSync(path.join(root, 'templates', 'add-tracing', 'analyze.py'))).toBe(true);
  });

  it('scaffolds a project from the tarball alone', () => {
    const version = execFileSync(process.execPath, [cli, '--version'], { cwd: dir, encoding: 'utf8' }).trim();
    expect(version).toBe(JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version);
    execFileSync(process.execPath, [cli, 'svc', '--yes', '--no-install', '--no-smoke'], {
      cwd: dir,
      env: { ...process.env, CI: 'true' },
    });
    const tree = listTree(path.join(dir, 'svc'));
    expect(tree).toContain('app/main.py');
    expect(tree).toContain('.gitignore');
    expect(readFileSync(path.join(dir, 'svc', 'app', 'telemetry.py'), 'utf8')).toContain('BatchSpanProcessor');
  });
});
