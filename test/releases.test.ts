/** releases.json, package.json and CHANGELOG.md agree: each release's commit, version and section. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliVersion } from '../src/core/paths.js';
import { REPO_ROOT } from './support/helpers.js';
import { earlierReleases, releases } from './support/releases.js';

const gitShow = (spec: string) => execFileSync('git', ['show', spec], { cwd: REPO_ROOT, encoding: 'utf8' });
const semver = (v: string) => v.split('+')[0]!.split('.').map(Number);
const newer = (a: string, b: string) => {
  const [x, y] = [semver(a), semver(b)];
  return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
};

describe('releases.json', () => {
  it("ends with package.json's version, the only entry without a commit, and is oldest first", () => {
    const all = releases();
    expect(all.at(-1)).toMatchObject({ version: cliVersion(), commit: null, reports: cliVersion() });
    expect(all.filter((r) => r.commit === null)).toHaveLength(1);
    for (let i = 1; i < all.length; i++) {
      expect(newer(all[i]!.version, all[i - 1]!.version)).toBeGreaterThanOrEqual(0);
      expect(all[i]!.date >= all[i - 1]!.date).toBe(true);
    }
  });

  it.each(earlierReleases())('$version: its commit reports its version and is dated as listed', (release) => {
    const pkg = JSON.parse(gitShow(`${release.commit}:package.json`)) as { version: string };
    expect(pkg.version).toBe(release.reports);
    const date = execFileSync('git', ['log', '-1', '--format=%ad', '--date=short', release.commit], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    expect(date).toBe(release.date);
  });

  it('has a CHANGELOG section for every release (build metadata aside: not releases of their own)', () => {
    const changelog = readFileSync(path.join(REPO_ROOT, 'CHANGELOG.md'), 'utf8');
    for (const r of releases().filter((x) => !x.version.includes('+')))
      expect(changelog).toContain(`## [${r.version}] - ${r.date}`);
  });
});
