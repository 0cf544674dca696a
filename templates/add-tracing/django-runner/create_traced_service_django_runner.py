"""The project's own Django test runner, recording each test's outcome for add-tracing.

`manage.py test --testrunner create_traced_service_django_runner.Runner` runs the tests exactly as the
project's runner does (settings.TEST_RUNNER, or Django's DiscoverRunner) and writes
{"results": {test id: passed}, "errors": {test id: last line of its traceback}} to the file named by
CREATE_TRACED_SERVICE_TEST_RESULTS. The verbose output is not read: the app's own log lines interleave
with the verdicts there. Skipped tests and expected failures are left out.
"""

import json
import os

from django.conf import settings
from django.test.utils import get_runner

_ProjectRunner = get_runner(settings)


def _last_line(err):
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return lines[-1] if lines else "failed"


class Runner(_ProjectRunner):
    def get_resultclass(self):
        import unittest

        base = super().get_resultclass() or unittest.TextTestResult
        passed = self._passed = []

        class Recording(base):
            def addSuccess(self, test):
                super().addSuccess(test)
                passed.append(test.id())

        return Recording

    def run_suite(self, suite, **kwargs):
        result = super().run_suite(suite, **kwargs)
        results = {test_id: True for test_id in getattr(self, "_passed", [])}
        errors = {}
        for test, err in list(result.failures) + list(result.errors):
            results[test.id()] = False
            errors[test.id()] = _last_line(err)
        for test in getattr(result, "unexpectedSuccesses", []):
            results[test.id()] = False
            errors[test.id()] = "unexpected success"
        with open(os.environ["CREATE_TRACED_SERVICE_TEST_RESULTS"], "w", encoding="utf-8") as out:
            json.dump({"results": results, "errors": errors}, out)
        return result
