import { describe, expect, it } from 'vitest';
import { parseDjangoTestOutput } from '../../../../src/runtimes/python/existing/django-tests.js';
import { projectSuite } from '../../../../src/runtimes/python/existing/project-tests.js';
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

describe("manage.py test's verbose output", () => {
  const output = [
    'Found 5 test(s).',
    "Creating test database for alias 'default'...",
    'System check identified no issues (0 silenced).',
    'test_described (catalog.tests.PageTests.test_described)',
    'The page answers. ... ERROR',
    'test_broken (catalog.tests.PageTests.test_broken) ... FAIL',
    'test_home (catalog.tests.PageTests.test_home) ... ok',
    "test_later (catalog.tests.PageTests.test_later) ... skipped 'later'",
    'test_old_style (catalog.tests.OldTests) ... ok',
    '',
    '======================================================================',
    'ERROR: test_described (catalog.tests.PageTests.test_described)',
    'The page answers.',
    '----------------------------------------------------------------------',
    'Traceback (most recent call last):',
    '  File "catalog/tests.py", line 8, in test_described',
    "TypeError: page() got an unexpected keyword argument 'pk'",
    '',
    '======================================================================',
    'FAIL: test_broken (catalog.tests.PageTests.test_broken)',
    '----------------------------------------------------------------------',
    'Traceback (most recent call last):',
    '  File "catalog/tests.py", line 10, in test_broken',
    'AssertionError: 1 != 2',
    '',
    '----------------------------------------------------------------------',
    'Ran 5 tests in 0.011s',
    '',
    'FAILED (failures=1, errors=1, skipped=1)',
  ].join('\n');

  it('gives each test its result and each failure its last traceback line; skipped tests are left out', () => {
    const { results, errors } = parseDjangoTestOutput(output);
    expect([...results]).toEqual([
      ['catalog.tests.PageTests.test_described', false],
      ['catalog.tests.PageTests.test_broken', false],
      ['catalog.tests.PageTests.test_home', true],
      ['catalog.tests.OldTests.test_old_style', true],
    ]);
    expect(errors.get('catalog.tests.PageTests.test_broken')).toBe('AssertionError: 1 != 2');
    expect(errors.get('catalog.tests.PageTests.test_described')).toBe(
      "TypeError: page() got an unexpected keyword argument 'pk'",
    );
  });
});
