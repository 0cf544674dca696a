import { describe, expect, it } from 'vitest';
import type { Ui } from '../../../../src/core/ui.js';
import {
  projectSuite,
  projectTestsStep,
  pytestTargets,
} from '../../../../src/runtimes/python/existing/project-tests.js';
import { scratchProject } from '../../../support/helpers.js';

const project = (files: Record<string, string>) => scratchProject(files, 'cts-djtests-');

const djangoProject = {
  'manage.py': 'import os\n',
  'shop/__init__.py': '',
  'shop/settings.py': 'SECRET_KEY = "x"\n',
  'catalog/__init__.py': '',
  'catalog/tests.py': 'from django.test import TestCase\n',
};

describe("which runner runs the project's own tests", () => {
  it('test modules at the root are a pytest suite; a root tests.py is named to pytest, which skips it by default', async () => {
    expect(await projectSuite(project({ 'test_app.py': '', 'app.py': '' }))).toBe('pytest');
    expect(await projectSuite(project({ 'app_test.py': '', 'app.py': '' }))).toBe('pytest');
    const single = project({ 'tests.py': 'def test_x():\n    pass\n', 'main.py': '' });
    expect(await projectSuite(single)).toBe('pytest');
    expect(await pytestTargets(single)).toEqual(['tests.py']);
    expect(await pytestTargets(project({ 'tests/test_app.py': '', 'tests.py': '' }))).toEqual([]);
  });

  it('no suite at all: the report says the tests were not run, and why', async () => {
    const root = project({ 'main.py': '', 'helpers.py': '' });
    const report = await projectTestsStep(root, 'python', [], { constraints: [], env: {} }, {} as Ui);
    expect(report.ran).toBe(false);
    expect(report.note).toMatch(
      /no test suite found .*: the project's own tests were not run before and after the change/,
    );
  });

  it('Django tests and no pytest configuration: manage.py test', async () => {
    expect(await projectSuite(project(djangoProject))).toBe('django');
    // A tests/ package inside an app counts as well.
    const { 'catalog/tests.py': _module, ...rest } = djangoProject;
    const pkg = { ...rest, 'catalog/tests/__init__.py': '', 'catalog/tests/test_views.py': '' };
    expect(await projectSuite(project(pkg))).toBe('django');
  });

  it('pytest configuration wins (pytest-django runs the Django tests then)', async () => {
    expect(await projectSuite(project({ ...djangoProject, 'pytest.ini': '[pytest]\n' }))).toBe('pytest');
    expect(
      await projectSuite(project({ ...djangoProject, 'pyproject.toml': '[tool.pytest.ini_options]\nx = 1\n' })),
    ).toBe('pytest');
  });

  it('no Django tests: pytest when it has a suite, else nothing', async () => {
    expect(await projectSuite(project({ 'manage.py': '', 'catalog/views.py': '' }))).toBeUndefined();
    expect(await projectSuite(project({ 'tests/test_app.py': '', 'app.py': '' }))).toBe('pytest');
  });
});
