/** A project's coverage gate keeps passing: the telemetry module goes into its coverage omit list. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import {
  coverageOmitEdit,
  tomlWithOmit,
  withCoverageOmit,
} from '../../../../src/runtimes/python/existing/coverage-omit.js';
import type { FileChange } from '../../../../src/pipeline/changes.js';
import { scratchDir } from '../../../support/helpers.js';

const T = 'app/telemetry.py';

describe('coverageOmitEdit', () => {
  it('no gate, nothing to do (coverage alone is only a report)', () => {
    expect(coverageOmitEdit({ 'pyproject.toml': '[tool.coverage.run]\nbranch = true\n' }, T)).toBeUndefined();
    expect(coverageOmitEdit({ 'pytest.ini': '[pytest]\naddopts = --cov=app\n' }, T)).toBeUndefined();
  });

  it('--cov-fail-under in pyproject addopts: added to [tool.coverage.run] omit, the rest kept', () => {
    const before =
      '[tool.pytest.ini_options]\naddopts = "--cov=app --cov-fail-under=100"\n\n[tool.coverage.run]\nbranch = true\n';
    const edit = coverageOmitEdit({ 'pyproject.toml': before }, T);
    expect(edit).toEqual({
      path: 'pyproject.toml',
      before,
      after:
        '[tool.pytest.ini_options]\naddopts = "--cov=app --cov-fail-under=100"\n\n[tool.coverage.run]\nomit = ["app/telemetry.py"]\nbranch = true\n',
    });
    // A second run finds it there.
    expect(coverageOmitEdit({ 'pyproject.toml': (edit as { after: string }).after }, T)).toBeUndefined();
  });

  it('fail_under in [tool.coverage.report]: appended to an omit list, single- or multi-line, comments kept', () => {
    const report = '[tool.coverage.report]\nfail_under = 100\n';
    const one = `[tool.coverage.run]\nomit = ["tests/*", "*/migrations/[0-9]*"]\n${report}`;
    expect((coverageOmitEdit({ 'pyproject.toml': one }, T) as { after: string }).after).toBe(
      `[tool.coverage.run]\nomit = ["tests/*", "*/migrations/[0-9]*", "app/telemetry.py"]\n${report}`,
    );
    const multi = `[tool.coverage.run]\nomit = [\n  "tests/*",  # the suite itself\n  'scripts/*'\n]\n${report}`;
    const after = (coverageOmitEdit({ 'pyproject.toml': multi }, T) as { after: string }).after;
    expect(after).toBe(
      `[tool.coverage.run]\nomit = [\n  "tests/*",  # the suite itself\n  'scripts/*',\n  "app/telemetry.py",\n]\n${report}`,
    );
    expect(parseToml(after)).toEqual({
      tool: { coverage: { run: { omit: ['tests/*', 'scripts/*', T] }, report: { fail_under: 100 } } },
    });
  });

  it('setup.cfg: appended under [coverage:run] omit, in its indentation', () => {
    const before =
      '[tool:pytest]\naddopts = --cov=app --cov-fail-under 95\n\n[coverage:run]\nomit =\n  */tests/*\nbranch = True\n';
    expect(coverageOmitEdit({ 'setup.cfg': before }, T)).toEqual({
      path: 'setup.cfg',
      before,
      after:
        '[tool:pytest]\naddopts = --cov=app --cov-fail-under 95\n\n[coverage:run]\nomit =\n  */tests/*\n  app/telemetry.py\nbranch = True\n',
    });
  });

  it('.coveragerc wins over the others; a [run] section is added when it has none', () => {
    const rc = '[report]\nfail_under = 100\nshow_missing = true\n';
    expect(
      coverageOmitEdit({ '.coveragerc': rc, 'pyproject.toml': '[tool.coverage.run]\nbranch = true\n' }, T),
    ).toEqual({ path: '.coveragerc', before: rc, after: `${rc}\n[run]\nomit =\n    app/telemetry.py\n` });
  });

  it('a gate with no coverage settings anywhere: a new .coveragerc', () => {
    expect(coverageOmitEdit({ 'pytest.ini': '[pytest]\naddopts = --cov=app --cov-fail-under=100\n' }, T)).toEqual({
      path: '.coveragerc',
      before: null,
      after: '[run]\nomit =\n    app/telemetry.py\n',
    });
  });

  it('--cov-config names the file to edit', () => {
    const files = {
      'pytest.ini': '[pytest]\naddopts = --cov=app --cov-config=ci/coverage.ini --cov-fail-under=100\n',
      'ci/coverage.ini': '[run]\nbranch = true\n',
    };
    expect(coverageOmitEdit(files, T)).toMatchObject({
      path: 'ci/coverage.ini',
      after: '[run]\nomit =\n    app/telemetry.py\nbranch = true\n',
    });
  });

  it('refuses, saying why, when the coverage settings are in a pyproject.toml that is not valid TOML', () => {
    const edit = coverageOmitEdit(
      {
        'pytest.ini': '[pytest]\naddopts = --cov-fail-under=100\n',
        'pyproject.toml': '[tool.coverage.run]\nbranch = true\n[tool.coverage.report\n',
      },
      T,
    );
    expect(edit).toMatchObject({ refusal: expect.stringMatching(/pyproject\.toml is not valid TOML/) });
  });

  it('tomlWithOmit adds the table at the end when there is none', () => {
    expect(tomlWithOmit('[tool.coverage.report]\nfail_under = 100\n', T)).toBe(
      '[tool.coverage.report]\nfail_under = 100\n\n[tool.coverage.run]\nomit = ["app/telemetry.py"]\n',
    );
  });
});

describe('withCoverageOmit', () => {
  it('merges into a change already planned for the same pyproject.toml', async () => {
    const root = scratchDir('cts-cov-');
    try {
      mkdirSync(path.join(root, 'app'));
      const before = '[project]\nname = "x"\ndependencies = ["flask"]\n\n[tool.coverage.report]\nfail_under = 100\n';
      writeFileSync(path.join(root, 'pyproject.toml'), before);
      const planned = before.replace('["flask"]', '["flask", "opentelemetry-sdk==1.39.1"]');
      const changes: FileChange[] = [
        { path: 'pyproject.toml', before, after: planned, summary: ['adds opentelemetry-sdk'] },
      ];
      await withCoverageOmit(root, T, changes);
      expect(changes).toHaveLength(1);
      expect(parseToml(changes[0]!.after)).toMatchObject({
        project: { dependencies: ['flask', 'opentelemetry-sdk==1.39.1'] },
        tool: { coverage: { run: { omit: [T] } } },
      });
      expect(changes[0]!.summary[1]).toMatch(/leaves app\/telemetry\.py out of coverage/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
