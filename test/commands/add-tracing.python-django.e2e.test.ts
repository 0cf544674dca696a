/**
 * add-tracing on a Django project with Django tests and no pytest configuration: its own tests run with
 * `manage.py test` before and after the change, each test's outcome read even when the app's log lines
 * interleave with the runner's verdicts. The built CLI on a git-committed fixture, real install.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addTracing, committedCopy, jsonOf, removeScratch } from '../support/add-tracing.js';

afterAll(removeScratch);

describe("add-tracing: a Django project's own tests", () => {
  it('run with manage.py test before and after, every test counted', async () => {
    const dir = committedCopy('django-site', (d) => {
      mkdirSync(path.join(d, 'shelf', 'tests'), { recursive: true });
      writeFileSync(path.join(d, 'shelf', 'tests', '__init__.py'), '');
      writeFileSync(
        path.join(d, 'shelf', 'tests', 'test_views.py'),
        [
          'import logging',
          '',
          'from django.test import SimpleTestCase, TestCase',
          '',
          'log = logging.getLogger("shelf")',
          '',
          '',
          'class HealthTests(SimpleTestCase):',
          '    def test_health(self):',
          '        """The probe answers."""',
          '        log.warning("probing")',
          '        self.assertEqual(self.client.get("/healthz").status_code, 200)',
          '',
          '    def test_missing(self):',
          '        self.assertEqual(self.client.get("/nope").status_code, 404)',
          '',
          '',
          'class BookTests(TestCase):',
          '    def test_books(self):',
          '        self.assertEqual(self.client.get("/books/").json(), {"books": 1})',
          '',
        ].join('\n'),
      );
    });
    const run = await addTracing(dir, ['--yes', '--json', '--route', '/books/']);
    const json = jsonOf(run);
    expect(json.projectTests, run.stderr).toMatchObject({
      ran: true,
      before: { passed: 3, failed: 0 },
      after: { passed: 3, failed: 0 },
      regressions: [],
    });
    expect(run.code, run.stderr).toBe(0);
  }, 400_000);
});
